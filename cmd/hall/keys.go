package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"hall/internal/scans"
	"hall/internal/store"
)

// rotationBatch is how many rows `hall keys rotate` re-seals per transaction: small
// enough that the hall's own writes wait at most a few milliseconds for one.
const rotationBatch = 500

// cmdKeys runs `hall keys rotate`: it re-seals every sealed value and blind index
// under the configured data-key, opening what is under previous-data-keys, while
// the hall serves (docs/data-protection.md, "Rotating the data key"). Progress goes
// to stdout, one line per table each time another hundredth of it is read.
func cmdKeys(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("usage: hall keys rotate [flags]")
	}
	return withApp(ctx, "keys rotate", args[1:], func(a *app) error {
		if !a.DB.Keys().Rotating() {
			fmt.Println("keys rotate: no previous-data-keys are configured; re-sealing whatever is not under the data key")
		}
		return rotateKeys(ctx, a.DB, a.Scans, os.Stdout)
	})
}

// rotateKeys runs the rotation on db's rows and then on the files of the scans store,
// reporting to out.
func rotateKeys(ctx context.Context, db *store.DB, files *scans.Store, out io.Writer) error {
	shown := map[string]int{}
	sum, err := db.RotateKeys(ctx, rotationBatch, func(p store.RotationProgress) {
		hundredths := 100
		if p.Rows > 0 {
			hundredths = min(100, p.Scanned*100/p.Rows)
		}
		if last, ok := shown[p.Table]; ok && hundredths == last {
			return
		}
		shown[p.Table] = hundredths
		fmt.Fprintf(out, "keys rotate: %s %d%% (%d of %d rows read, %d re-sealed)\n", p.Table, hundredths, p.Scanned, p.Rows, p.Resealed)
	})
	for _, t := range sum.Tables {
		fmt.Fprintf(out, "keys rotate: %s done: %d rows read, %d re-sealed\n", t.Table, t.Scanned, t.Resealed)
	}
	if err != nil && !errors.Is(err, store.ErrUnreadable) {
		return err
	}
	resealedFiles, unreadableFiles, fileErr := files.Reseal(ctx)
	if fileErr != nil {
		return fileErr
	}
	fmt.Fprintf(out, "keys rotate: scans and materials done: %d files re-sealed, %d unreadable\n", resealedFiles, unreadableFiles)
	sum.Resealed += resealedFiles
	if unreadableFiles > 0 && err == nil {
		err = fmt.Errorf("%w: %d files", store.ErrUnreadable, unreadableFiles)
	}
	if err != nil {
		if errors.Is(err, store.ErrUnreadable) {
			return fmt.Errorf("%w; every other value is under the data key now — find the unreadable rows before removing a previous key", err)
		}
		return err
	}
	fmt.Fprintf(out, "keys rotate: %d values re-sealed; nothing is left under a previous key, which can now leave previous-data-keys\n", sum.Resealed)
	return nil
}

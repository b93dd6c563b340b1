.PHONY: test run

test:
	./scripts/test

run:
	go run ./cmd/hall serve --demo

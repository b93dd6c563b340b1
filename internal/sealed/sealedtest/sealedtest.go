// Package sealedtest gives tests a data key, so that services that seal what they
// store can be built without configuration.
package sealedtest

import "hall/internal/sealed"

// Key is the tests' data key: fixed, so that a failing test's database can be read
// again, and never used outside tests.
func Key() []byte {
	k := make([]byte, sealed.KeySize)
	for i := range k {
		k[i] = byte(0xa0 + i)
	}
	return k
}

// Keys are the sealed.Keys of Key.
func Keys() *sealed.Keys {
	k, err := sealed.NewKeys(Key())
	if err != nil {
		panic(err) // Key has the right size
	}
	return k
}

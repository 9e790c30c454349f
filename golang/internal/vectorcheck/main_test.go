// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// (c) a vector whose hex does not decode is a failure that names it.
func TestHexErrorNamesTheVector(t *testing.T) {
	good := `{"name": "fine", "text": "role: \"r\"", "binary": "0a0172", "json": {"role": "r"}}`
	for _, c := range []struct{ vector, want string }{
		{`{"name": "odd-hex", "text": "", "binary": "0a017", "json": {}}`,
			"oaktree.v1.RoleGrant odd-hex: binary is not hex"},
		{`{"name": "bad-digit", "text": "", "binary": "zz", "json": {}}`,
			"oaktree.v1.RoleGrant bad-digit: binary is not hex"},
		{`{"name": "bad-unknown", "text": "role: \"r\"", "binary": "0a0172", "json": {"role": "r"}, "unknown_binary": "0a01720g"}`,
			"oaktree.v1.RoleGrant bad-unknown: unknown_binary is not hex"},
	} {
		dir := t.TempDir()
		doc := `{"type": "oaktree.v1.RoleGrant", "vectors": [` + good + `, ` + c.vector + `]}`
		if err := os.WriteFile(filepath.Join(dir, "RoleGrant.json"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		failed, files, count := checkDir(dir, &out)
		if failed != 1 || files != 1 || count != 2 || !strings.Contains(out.String(), c.want) {
			t.Errorf("failed=%d files=%d vectors=%d, output %q; want one failure %q", failed, files, count, out.String(), c.want)
		}
	}
}

// The real vectors pass (the same run as make check's, here for go test).
func TestVectors(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "tests", "vectors")
	var out strings.Builder
	if failed, files, _ := checkDir(dir, &out); failed != 0 || files == 0 {
		t.Errorf("%d failures in %d files:\n%s", failed, files, out.String())
	}
}

// Copyright 2026 The oaktreemodel Authors
// SPDX-License-Identifier: Apache-2.0

package main

import "google.golang.org/protobuf/types/known/structpb"

// structOf is the properties of bulk server i: padding makes the stream large.
func structOf(padding string, i int) (*structpb.Struct, error) {
	return structpb.NewStruct(map[string]any{"padding": padding, "index": i})
}

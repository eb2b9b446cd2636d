package core

//go:generate go run ../internal/gen

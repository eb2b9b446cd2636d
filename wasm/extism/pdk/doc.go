// Package pdk is the guest side of the Extism plugin ABI (see pdk.go, built
// for GOOS=wasip1 only).
package pdk

// Prints, as JSON, the length and SHA-256 of the delta Centrifugo's Fossil encoder makes of
// each case written by write-cases.ts (<dir>/<name>.prev and <name>.next). With
// `-bench ROUNDS`, prints instead the mean CPU microseconds per delta over all the cases,
// the best of ROUNDS rounds (bench/fossil-delta.ts reads it).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"

	fdelta "github.com/shadowspore/fossil-delta"
)

type result struct {
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

func main() {
	dir := os.Args[1]
	names, _ := filepath.Glob(filepath.Join(dir, "*.prev"))
	sort.Strings(names)
	prevs := map[string][]byte{}
	nexts := map[string][]byte{}
	for _, prevPath := range names {
		name := strings.TrimSuffix(filepath.Base(prevPath), ".prev")
		prev, err := os.ReadFile(prevPath)
		if err != nil {
			panic(err)
		}
		next, err := os.ReadFile(filepath.Join(dir, name+".next"))
		if err != nil {
			panic(err)
		}
		prevs[name], nexts[name] = prev, next
	}
	if len(os.Args) == 4 && os.Args[2] == "-bench" {
		rounds, _ := strconv.Atoi(os.Args[3])
		best := 0.0
		for r := 0; r < rounds; r++ {
			start := cpuMicros()
			for name := range prevs {
				fdelta.Create(prevs[name], nexts[name])
			}
			us := float64(cpuMicros()-start) / float64(len(prevs))
			if r == 0 || us < best {
				best = us
			}
		}
		fmt.Printf("%.2f\n", best)
		return
	}
	out := map[string]result{}
	for name, prev := range prevs {
		next := nexts[name]
		delta := fdelta.Create(prev, next)
		sum := sha256.Sum256(delta)
		out[name] = result{Length: len(delta), SHA256: hex.EncodeToString(sum[:])}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err)
	}
}

// cpuMicros is the CPU time this process used so far (user and system): on a shared
// machine, wall time measures the neighbours as well.
func cpuMicros() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Sec*1_000_000 + int64(ru.Utime.Usec) + ru.Stime.Sec*1_000_000 + int64(ru.Stime.Usec)
}

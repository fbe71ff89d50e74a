package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/patternlab/patternlab/tools/internal/repo"
)

func runDemos(args []string) error {
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	mods, err := demoModules(r)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		fmt.Println(strings.Join(mods, " "))
		return nil
	}
	var names []string
	for _, m := range mods {
		names = append(names, m[strings.LastIndexByte(m, '/')+1:])
	}
	i := slices.Index(names, args[0])
	if i < 0 {
		return fmt.Errorf("no demo named %q; the demos are: %s", args[0], strings.Join(names, ", "))
	}
	fmt.Println(mods[i])
	return nil
}

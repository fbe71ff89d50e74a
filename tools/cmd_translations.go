package main

import (
	"errors"
	"fmt"

	"github.com/patternlab/patternlab/tools/internal/repo"
	"github.com/patternlab/patternlab/tools/internal/translation"
)

// translationFindings is what `check` reports about the Chinese edition:
// stale, missing and unrecorded translations.
func translationFindings(r *repo.Repo) []string {
	findings, err := translation.Check(r)
	if err != nil {
		return []string{"translations: " + err.Error()}
	}
	var out []string
	for _, f := range findings {
		out = append(out, f.String())
	}
	return out
}

func runTranslations(args []string) error {
	r, err := repo.Find(".")
	if err != nil {
		return err
	}
	if len(args) == 0 || (args[0] != "status" && args[0] != "refresh") {
		return errors.New("usage: translations status | translations refresh docs-zh/PAGE.md...")
	}
	if args[0] == "status" {
		bad := translationFindings(r)
		for _, b := range bad {
			fmt.Println(b)
		}
		if len(bad) > 0 {
			return errors.New(plural(len(bad), "translation problem") + " found")
		}
		pages, err := translation.Pages(r)
		if err != nil {
			return err
		}
		fmt.Printf("translations: %s up to date with their English sources\n", plural(len(pages), "page"))
		return nil
	}
	if len(args) == 1 {
		return errors.New("usage: translations refresh docs-zh/PAGE.md... (after reviewing the page against its source's change)")
	}
	done, err := translation.Refresh(r, args[1:])
	for _, d := range done {
		fmt.Println(d)
	}
	return err
}

// Package examples holds the minimal usage examples of the tools the
// Compare pages of the site set side by side, one package per tool, each an
// Example test whose // Output: is checked by go test. They are usage
// examples, not pattern demos: the patterns live in patterns/.
package examples

package traffic

import "strings"

// ValidID reports whether id can be a payment's end-to-end ID: 1 to 35
// characters (pacs.008's limit) that make one NATS subject token, since
// the journals name a payment in their subjects: no space, dot or
// wildcard.
func ValidID(id string) bool {
	return id != "" && len(id) <= 35 && !strings.ContainsAny(id, " .*>\t\r\n")
}

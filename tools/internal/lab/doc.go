// Package lab is `make lab`: a web page on 127.0.0.1 that runs the lab's real
// demos and shows them live. It knows no module in particular:
//
//   - the catalog comes from go.work and each module's pattern.yaml (summary,
//     invariant, switches, the servers it needs);
//   - a demo's flags come from the built demo binary's -h (the flag
//     package's PrintDefaults format), so the form shows what the code accepts;
//   - a run is the demo binary with NARRATE_FORMAT=json NARRATE_CONTROL=stdin:
//     every line it prints is a kit/narrate Event, streamed to the page over
//     Server-Sent Events and appended to the run's history file (JSON lines);
//   - the fault buttons are the faults the demo offers while it runs (control
//     events), and pressing one writes "fault <name>" to the demo's stdin.
//
// A history file is the run: the lab's own header and exit events around the
// demo's events. The page replays one with a time slider, and the docs draw
// the committed recorded runs (docs/assets/runs/) with the same script.
package lab

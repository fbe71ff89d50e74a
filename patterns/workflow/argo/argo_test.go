package argo_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/patternlab/patternlab/kit/labtest"
	"github.com/patternlab/patternlab/kit/narrate"
	"golang.org/x/sync/errgroup"

	"github.com/patternlab/patternlab/patterns/workflow/argo"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline"
	"github.com/patternlab/patternlab/patterns/workflow/pipeline/pipelinetest"
)

// The few fields of an Argo Workflow this test reads; Argo's own Go module
// is far too heavy to import for that.
type argoWorkflow struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Spec       struct {
		Entrypoint string `yaml:"entrypoint"`
		Arguments  struct {
			Parameters []argoParam `yaml:"parameters"`
		} `yaml:"arguments"`
		Templates []argoTemplate `yaml:"templates"`
	} `yaml:"spec"`
}

type argoParam struct {
	Name  string `yaml:"name"`
	Value string `yaml:"value"`
}

type argoTemplate struct {
	Name string `yaml:"name"`
	DAG  *struct {
		Tasks []argoTask `yaml:"tasks"`
	} `yaml:"dag"`
	Container *struct {
		Image   string   `yaml:"image"`
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
	} `yaml:"container"`
	RetryStrategy *struct {
		Limit       string `yaml:"limit"`
		RetryPolicy string `yaml:"retryPolicy"`
	} `yaml:"retryStrategy"`
}

type argoTask struct {
	Name         string   `yaml:"name"`
	Template     string   `yaml:"template"`
	Dependencies []string `yaml:"dependencies"`
	WithSequence *struct {
		Count string `yaml:"count"`
	} `yaml:"withSequence"`
	Arguments struct {
		Parameters []argoParam `yaml:"parameters"`
	} `yaml:"arguments"`
}

func loadArgo(t *testing.T) (argoWorkflow, map[string]argoTemplate, []argoTask) {
	t.Helper()
	data, err := os.ReadFile("pipeline.yaml")
	require.NoError(t, err)
	var wf argoWorkflow
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	require.NoError(t, dec.Decode(&wf))
	require.Equal(t, "argoproj.io/v1alpha1", wf.APIVersion)
	require.Equal(t, "Workflow", wf.Kind)
	templates := map[string]argoTemplate{}
	for _, tpl := range wf.Spec.Templates {
		require.NotContains(t, templates, tpl.Name, "template names are unique")
		templates[tpl.Name] = tpl
	}
	entry, ok := templates[wf.Spec.Entrypoint]
	require.True(t, ok, "the entrypoint %q is a template", wf.Spec.Entrypoint)
	require.NotNil(t, entry.DAG, "the entrypoint is a DAG")
	return wf, templates, entry.DAG.Tasks
}

// The manifest is well formed and is the same pipeline as the Go code:
// every referenced template exists, every step retries, the DAG has no
// cycle, and its tasks and dependencies are Pipeline's stages in order.
func TestArgoManifest(t *testing.T) {
	wf, templates, tasks := loadArgo(t)

	used := map[string]bool{wf.Spec.Entrypoint: true}
	for _, task := range tasks {
		tpl, ok := templates[task.Template]
		require.True(t, ok, "task %s references template %q, which exists", task.Name, task.Template)
		used[task.Template] = true
		require.NotNil(t, tpl.Container, "template %s runs a container", tpl.Name)
		require.NotNil(t, tpl.RetryStrategy, "template %s has a retryStrategy", tpl.Name)
		limit, err := strconv.Atoi(tpl.RetryStrategy.Limit)
		require.NoError(t, err)
		assert.Positive(t, limit, "template %s retries", tpl.Name)
		assert.Equal(t, task.Name, tpl.Container.Args[0], "task %s runs `stage %s`", task.Name, task.Name)
	}
	for name := range templates {
		assert.True(t, used[name], "template %s is used", name)
	}

	order := topoOrder(t, tasks)
	stages := make([]string, len(pipeline.Stages))
	for i, s := range pipeline.Stages {
		stages[i] = string(s)
	}
	assert.Equal(t, stages, order, "the DAG runs pipeline.Stages in their order")
	for _, task := range tasks {
		i := slices.Index(stages, task.Name)
		var want []string
		if i > 0 {
			want = []string{stages[i-1]}
		}
		assert.Equal(t, want, task.Dependencies, "task %s depends on the stage before it", task.Name)
	}
}

// topoOrder sorts the DAG (Kahn's algorithm), failing on an unknown
// dependency or a cycle.
func topoOrder(t *testing.T, tasks []argoTask) []string {
	t.Helper()
	indegree := map[string]int{}
	next := map[string][]string{}
	for _, task := range tasks {
		indegree[task.Name] += 0
		for _, d := range task.Dependencies {
			indegree[task.Name]++
			next[d] = append(next[d], task.Name)
		}
	}
	for _, task := range tasks {
		for _, d := range task.Dependencies {
			require.Contains(t, indegree, d, "task %s depends on %q, which is a task", task.Name, d)
		}
	}
	var ready, order []string
	for _, task := range tasks {
		if indegree[task.Name] == 0 {
			ready = append(ready, task.Name)
		}
	}
	for len(ready) > 0 {
		n := ready[0]
		ready = ready[1:]
		order = append(order, n)
		for _, m := range next[n] {
			if indegree[m]--; indegree[m] == 0 {
				ready = append(ready, m)
			}
		}
	}
	require.Len(t, order, len(tasks), "the DAG has no cycle")
	return order
}

var argoExpr = regexp.MustCompile(`\{\{([a-z.]+)\}\}`)

// argoStep is one task of the DAG as Argo would run it: the container
// arguments of each of its pods (several when the task fans out).
type argoStep struct {
	Task string
	Pods [][]string
}

// argoPlan expands the manifest the way Argo does: tasks in dependency
// order, withSequence into one pod per item, {{...}} parameters substituted.
func argoPlan(t *testing.T) (image string, plan []argoStep) {
	t.Helper()
	wf, templates, tasks := loadArgo(t)
	params := map[string]string{}
	for _, p := range wf.Spec.Arguments.Parameters {
		params["workflow.parameters."+p.Name] = p.Value
	}
	byName := map[string]argoTask{}
	for _, task := range tasks {
		byName[task.Name] = task
	}
	expand := func(s string, vars map[string]string) string {
		return argoExpr.ReplaceAllStringFunc(s, func(m string) string {
			v, ok := vars[argoExpr.FindStringSubmatch(m)[1]]
			require.True(t, ok, "unknown expression %s", m)
			return v
		})
	}
	for _, name := range topoOrder(t, tasks) {
		task := byName[name]
		tpl := templates[task.Template]
		image = tpl.Container.Image
		items := []string{""}
		if task.WithSequence != nil {
			n, err := strconv.Atoi(expand(task.WithSequence.Count, params))
			require.NoError(t, err)
			items = items[:0]
			for i := range n {
				items = append(items, strconv.Itoa(i))
			}
		}
		step := argoStep{Task: name}
		for _, item := range items {
			vars := map[string]string{"item": item}
			for k, v := range params {
				vars[k] = v
			}
			for _, p := range task.Arguments.Parameters {
				vars["inputs.parameters."+p.Name] = expand(p.Value, vars)
			}
			args := make([]string, len(tpl.Container.Args))
			for i, a := range tpl.Container.Args {
				args[i] = expand(a, vars)
			}
			step.Pods = append(step.Pods, args)
		}
		plan = append(plan, step)
	}
	return image, plan
}

// argoVolume is a fixture's export on a directory standing for the
// workflow's volume, and the store the steps must leave there.
func argoVolume(t *testing.T) (pipelinetest.Fixture, string) {
	f := pipelinetest.New(t, 53, 400)
	f.Stage.PoisonKeys = nil // the manifest injects no fault
	f.Want = pipeline.Expected(f.Data.Lines, f.Stage)
	data := t.TempDir()
	raw, err := os.ReadFile(f.Source)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(data, "input.csv"), raw, 0o644))
	return f, data
}

// Running the manifest's steps in DAG order, fanned-out pods at once, with
// each container's arguments and cmd/stage's code (RunStep), stores exactly what the
// other implementations store. Every pod runs twice, as an Argo retry of a
// step that had in fact succeeded would: that changes nothing.
//
// Fault: duplicate | target: every pod of the manifest's steps, run twice (an Argo retry of a step that had succeeded) | invariant: the store is exactly what the other implementations store
func TestArgoManifestStepsProduceTheExpectedStore(t *testing.T) {
	_, plan := argoPlan(t)
	f, data := argoVolume(t)
	ctx := pipelinetest.Ctx(t, time.Minute)
	for _, step := range plan {
		g, gctx := errgroup.WithContext(ctx)
		for _, pod := range step.Pods {
			args := make([]string, len(pod))
			for i, a := range pod {
				args[i] = strings.Replace(a, "/data/", data+"/", 1)
			}
			g.Go(func() error {
				for range 2 {
					if err := argo.RunStep(gctx, args); err != nil {
						return err
					}
				}
				return nil
			})
		}
		require.NoError(t, g.Wait(), "step %s", step.Task)
	}
	snap, err := pipeline.ReadSnapshot(ctx, filepath.Join(data, "store.db"))
	require.NoError(t, err)
	f.RequireInvariant(t, snap)
}

// A step's command line is read like every demo's flags: a bad stage, a
// missing file, a partition out of range or a stray argument is a usage
// error naming what is wrong, before anything is read or written.
func TestParseStepRefusesBadCommandLines(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "name a stage"},
		{[]string{"-in", "x"}, "name a stage"},
		{[]string{"sort"}, "unknown stage"},
		{[]string{"collect", "-out", "x"}, "-source: required"},
		{[]string{"analyze", "-in", "a", "-out", "b", "-rejects", "c", "-partition", "4", "-partitions", "4"}, "-partition: 4 is not below"},
		{[]string{"analyze", "-in", "a", "-out", "b", "-rejects", "c", "-attempts", "0"}, "-attempts"},
		{[]string{"clean", "-in", "a", "-out", "b", "-rejects", "c", "extra"}, "unexpected arguments"},
	} {
		_, err := argo.ParseStep(c.args)
		var ue *narrate.UsageError
		require.ErrorAs(t, err, &ue, "%q", c.args)
		assert.Contains(t, err.Error(), c.want, "%q", c.args)
	}
	st, err := argo.ParseStep([]string{"store", "-results", "a*", "-rejects", "r*", "-sink", "s.db"})
	require.NoError(t, err)
	assert.Equal(t, pipeline.Store, st.Stage)
}

func FuzzStepFlags(f *testing.F) {
	labtest.FuzzFlags(f, func(args []string) (narrate.Demo, error) {
		_, err := argo.ParseStep(append([]string{"analyze"}, args...))
		return nil, err
	})
}

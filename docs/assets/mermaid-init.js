// Renders every Mermaid block (pymdownx.superfences' fence_div_format makes
// <div class="mermaid">) with the Mermaid copied into the site at build time.
// document$ is Material's page-load observable, so this also runs after
// instant navigation.
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
document$.subscribe(() => {
  mermaid.run({ querySelector: "div.mermaid" });
});

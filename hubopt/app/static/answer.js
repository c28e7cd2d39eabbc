/* hubopt workbench: the answer's headline figures, its proof in plain words, and "why this answer". */
"use strict";

(function (HB) {
  const A = HB.answer = {};

  function row(label, value, id) {
    return HB.el("tr", {}, HB.el("th", {scope: "row"}, label), HB.el("td", {class: "n", "data-figure": id}, value));
  }

  A.draw = function (answer) {
    const f = answer.figures;
    const proof = HB.$("proof");
    proof.textContent = answer.proof.text;
    proof.className = "proof " + (answer.proof.proven ? "proven" : "not-proven");
    const table = HB.$("figures");
    table.replaceChildren(
      row("Mean journey to a hub", HB.minutes(f.mean_minutes), "mean"),
      row("95th percentile journey", HB.minutes(f.p95_minutes), "p95"));
    Object.keys(f.within).forEach(function (t) {
      table.append(row("People within " + t + " minutes", HB.percent(f.within[t]), "within-" + t));
    });
    table.append(
      row("Most deprived fifth: mean", HB.minutes(f.deprived_mean_minutes), "deprived"),
      row("Everyone else: mean", HB.minutes(f.rest_mean_minutes), "rest"),
      row("People in the area", HB.people(f.population), "population"));
    if (f.unserved_population) table.append(row("People with no hub", HB.people(f.unserved_population), "unserved"));
    const perHub = HB.$("per-hub");
    perHub.replaceChildren();
    answer.open_site_ids.forEach(function (id, k) {
      const site = HB.siteById(id);
      const colour = HB.setup.style.catchment_colours[k % HB.setup.style.catchment_colours.length];
      const mark = HB.siteState(id) === "must_open" ? " (must open)" : "";
      perHub.append(HB.el("tr", {"data-site": id},
        HB.el("th", {scope: "row"}, HB.el("span", {class: "swatch", style: "background:" + colour}),
          (site ? site.name : id) + mark),
        HB.el("td", {class: "n"}, HB.people(f.people_per_hub[id]))));
    });
    // Border services: a neighbour's service serves the zones nearest to it; open, but not one of the hubs.
    Object.keys(f.people_per_border_service || {}).forEach(function (id) {
      const site = HB.siteById(id);
      perHub.append(HB.el("tr", {"data-site": id, class: "border-service"},
        HB.el("th", {scope: "row"}, (site ? site.name : id) + " (border service, not one of the hubs)"),
        HB.el("td", {class: "n"}, HB.people(f.people_per_border_service[id]))));
    });
    const notes = HB.$("notes");
    notes.replaceChildren();
    (answer.notes || []).forEach(function (n) { notes.append(HB.el("li", {}, n)); });
    notes.append(HB.el("li", {class: "small"}, "Solved in " + (answer.seconds || 0).toFixed(2) + " s."));
  };

  /* "Why this answer" for the answer on screen; asked after it is drawn, so it never delays the redraw. One
     explanation is worked out at a time: while one is, only the newest answer waits for the next (the slider may
     have moved through several), so explanations never pile up on the server ahead of the answers. */
  let explaining = false;
  let waiting = null;
  A.explain = async function (sequence) {
    if (explaining) { waiting = sequence; return; }
    explaining = true;
    document.body.classList.add("explaining");
    const box = HB.$("why");
    box.replaceChildren(HB.el("p", {class: "small"}, "Working out why this answer…"));
    try {
      const data = await HB.api("/api/explain", {sequence: sequence, question: HB.state.shownQuestion});
      if (data.sequence === HB.state.shownSequence) {  // else a newer answer is on screen
        const e = data.explanation;
        box.replaceChildren(HB.el("h2", {}, "Why this answer"), HB.list(e.sentences));
        box.classList.toggle("cut-short", Boolean(e.cut_short));  // the last sentence says it was cut short
        box.dataset.explained = String(data.sequence);  // which answer the panel explains (tests, bench/app.py)
      }
    } catch (err) {
      if (sequence === HB.state.shownSequence) {
        box.replaceChildren(HB.el("p", {class: "error"}, "No explanation: " + err.message));
        box.classList.remove("cut-short");
        box.dataset.explained = String(sequence);
      }
    } finally {
      explaining = false;
      const next = waiting;
      waiting = null;
      if (next !== null && next === HB.state.shownSequence && next !== sequence) A.explain(next);
      else document.body.classList.remove("explaining");
    }
  };
})(window.HB);

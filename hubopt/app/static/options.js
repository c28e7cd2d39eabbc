/* hubopt workbench: pinned options, the side-by-side comparison (table, sentences, small maps), who is better or
   worse off between two answers, saving the options and exporting a consultation pack. */
"use strict";

(function (HB) {
  const O = HB.options = {pinned: [], smallMaps: []};
  const CURRENT = "Current answer";
  const OPTIMISER = "Optimiser's answer";

  O.init = function () {
    HB.$("pin").addEventListener("click", O.pin);
    HB.$("pin-name").addEventListener("keydown", function (event) { if (event.key === "Enter") O.pin(); });
    HB.$("compare").addEventListener("click", O.compare);
    HB.$("shift").addEventListener("click", O.shift);
    HB.$("save").addEventListener("click", O.save);
    HB.$("export").addEventListener("click", O.exportPack);
    HB.$("compare-close").addEventListener("click", function () { HB.$("compare-panel").hidden = true; });
    HB.$("copy-link").addEventListener("click", function () {
      const link = HB.$("link");
      link.select();
      if (navigator.clipboard) navigator.clipboard.writeText(link.value).catch(function () {});
      HB.status("Link copied: it reopens the workbench on this question.");
    });
    const setup = HB.setup;
    HB.$("save-file-row").hidden = !setup.builtin_scenario;
    if (!setup.builtin_scenario) {
      HB.$("save-target").textContent = "Into appraisal.options of " + setup.scenario_file + " (its comments kept).";
      HB.$("save-target").hidden = false;
    }
    HB.$("save-file").value = (setup.scenario_file ? setup.scenario_file.split("/").pop().replace(/\.ya?ml$/, "") : "scenario") + "_options.yaml";
    HB.$("export-folder").value = setup.export_folder;
    O.load();
  };

  O.load = async function () {
    try {
      O.render((await HB.api("/api/pinned")).pinned);
    } catch (err) { HB.showError(err); }
  };

  O.render = function (pinned) {
    O.pinned = pinned;
    HB.$("pinned-count").textContent = pinned.length ? "(" + pinned.length + ")" : "";
    const list = HB.$("pinned");
    list.replaceChildren();
    if (!pinned.length) list.append(HB.el("li", {class: "small"}, "Nothing pinned yet."));
    pinned.forEach(function (option, k) {
      const names = option.site_ids.map(function (id) { const s = HB.siteById(id); return s ? s.name : id; });
      list.append(HB.el("li", {class: "pinned", "data-option": option.name},
        HB.el("label", {}, HB.el("input", {type: "checkbox", class: "compare-tick", value: option.name, checked: k < 4}),
          " ", HB.el("strong", {}, option.name)),
        HB.el("div", {class: "small"}, names.join(", ")),
        HB.el("button", {type: "button", class: "quiet", onclick: function () { O.unpin(option.name); }}, "Remove")));
    });
    const choices = [CURRENT, OPTIMISER].concat(pinned.map(function (o) { return o.name; }));
    fillSelect(HB.$("shift-a"), choices, OPTIMISER);
    fillSelect(HB.$("shift-b"), choices, pinned.length ? pinned[pinned.length - 1].name : CURRENT);
    fillSelect(HB.$("export-option"), [CURRENT].concat(pinned.map(function (o) { return o.name; })), CURRENT);
  };

  function fillSelect(select, values, preferred) {
    const keep = select.value;
    select.replaceChildren();
    values.forEach(function (v) { select.append(HB.el("option", {value: v}, v)); });
    select.value = values.indexOf(keep) >= 0 ? keep : preferred;
  }

  O.pin = async function () {
    const input = HB.$("pin-name");
    try {
      O.render((await HB.api("/api/pin", {name: input.value, question: HB.state.shownQuestion})).pinned);
      HB.status("Pinned '" + input.value.trim() + "'.");
      input.value = "";
    } catch (err) { HB.showError(err); }
  };

  O.unpin = async function (name) {
    try { O.render((await HB.api("/api/unpin", {name: name})).pinned); } catch (err) { HB.showError(err); }
  };

  function openPanel(title) {
    O.smallMaps.forEach(function (m) { m.remove(); });
    O.smallMaps = [];
    HB.$("compare-title").textContent = title;
    const body = HB.$("compare-body");
    body.replaceChildren(HB.el("p", {class: "small"}, "Working…"));
    HB.$("compare-panel").hidden = false;
    return body;
  }

  O.compare = async function () {
    const names = Array.from(document.querySelectorAll(".compare-tick:checked")).map(function (t) { return t.value; });
    const body = openPanel("Options side by side");
    let data;
    try {
      data = await HB.api("/api/compare", {names: names, question: HB.state.shownQuestion});
    } catch (err) {
      HB.$("compare-panel").hidden = true;
      HB.showError(err);
      return;
    }
    const c = data.comparison;
    body.replaceChildren(HB.list(c.sentences), HB.table(c.table, {className: "compare-table"}));
    const grid = HB.el("div", {class: "small-maps"});
    body.append(HB.el("h3", {}, "Travel time to the nearest hub (stars: the hubs)"), grid);
    c.answers.forEach(function (answer) {
      const box = HB.el("div", {class: "small-map"});
      grid.append(HB.el("figure", {}, box, HB.el("figcaption", {},
        answer.label + ": " + HB.minutes(answer.figures.mean_minutes) + " mean")));
      O.smallMaps.push(HB.map.smallMap(box, answer));
    });
  };

  O.shift = async function () {
    const a = HB.$("shift-a").value, b = HB.$("shift-b").value;
    const body = openPanel("Who is better or worse off: " + a + " → " + b);
    let data;
    try {
      data = await HB.api("/api/shift", {a: a, b: b, question: HB.state.shownQuestion});
    } catch (err) {
      HB.$("compare-panel").hidden = true;
      HB.showError(err);
      return;
    }
    const s = data.shift;
    body.replaceChildren(HB.list(s.sentences),
      HB.el("h3", {}, "By deprivation decile (1: most deprived)"), HB.table(s.by_decile, {noIndex: true}),
      HB.el("h3", {}, "Areas whose journey changes"), HB.table(s.zones, {limit: 25, noIndex: true}));
  };

  O.save = async function () {
    const result = HB.$("save-result");
    result.textContent = "Saving…";
    try {
      const data = await HB.api("/api/save", {file_name: HB.$("save-file").value});
      result.textContent = "Saved " + data.options.length + " option(s) to " + data.written + ".";
    } catch (err) {
      result.textContent = "";
      HB.showError(err);
    }
  };

  O.exportPack = async function () {
    const result = HB.$("export-result");
    const button = HB.$("export");
    result.textContent = "Writing the consultation pack (map, print maps, report, workbook, GeoPackage): this takes a while…";
    button.disabled = true;
    try {
      const data = await HB.api("/api/export", {option: HB.$("export-option").value, question: HB.state.shownQuestion,
        folder: HB.$("export-folder").value, overwrite: HB.$("export-replace").checked});
      result.textContent = "Written to " + data.folder + ": " + data.files.join(", ");
    } catch (err) {
      result.textContent = "";
      HB.showError(err);
    } finally {
      button.disabled = false;
    }
  };
})(window.HB);

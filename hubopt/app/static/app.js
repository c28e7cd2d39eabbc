/* hubopt workbench: the question on screen, its controls, and the solve loop (every change asks the server, one
   request at a time per page; the newest question wins). */
"use strict";

(function (HB) {
  const state = HB.state = {
    question: null,      // the question the controls show (may be waiting for its answer)
    shown: null,         // the answer on screen
    shownQuestion: null, // its question
    sequence: 0,         // requests sent
    shownSequence: -1,   // the request whose answer is on screen
    busy: false,
    again: false,
  };
  const MODEL_LABELS = {
    "p-median": "p-median: least travel overall",
    "mclp": "MCLP: most people within a time",
    "p-center": "p-center: shortest longest journey",
    "capacitated": "capacitated: hubs of a size",
  };

  HB.status = function (text) { HB.$("status").textContent = text; };
  HB.showError = function (err) {
    HB.$("message-text").textContent = err.message || String(err);
    HB.$("message").hidden = false;
  };
  HB.clearError = function () { HB.$("message").hidden = true; };
  HB.siteById = function (id) { return HB.siteIndex[id]; };

  HB.siteState = function (id) {
    const q = state.question;
    if (!q) return "free";
    if (q.must_open.indexOf(id) >= 0) return "must_open";
    if (q.unavailable.indexOf(id) >= 0) return "unavailable";
    return "free";
  };

  HB.setSiteState = function (id, newState) {
    const q = Object.assign({}, state.question);
    q.must_open = q.must_open.filter(function (x) { return x !== id; });
    q.unavailable = q.unavailable.filter(function (x) { return x !== id; });
    if (newState === "must_open") q.must_open = q.must_open.concat([id]).sort();
    if (newState === "unavailable") q.unavailable = q.unavailable.concat([id]).sort();
    ask(q);
  };

  function choices() { return HB.setup.choices; }

  function fillControls(q) {
    HB.$("hubs").value = q.hubs;
    HB.$("hubs-value").textContent = q.hubs;
    HB.$("model").value = q.model;
    HB.$("mode").value = q.mode;
    HB.$("year").value = String(q.year);
    HB.$("max-minutes").value = q.max_minutes === null ? "" : q.max_minutes;
    HB.$("min-population").value = q.min_population === null ? "" : q.min_population;
    HB.$("max-population").value = q.max_population === null ? "" : q.max_population;
    HB.$("mclp-settings").hidden = q.model !== "mclp";
    HB.$("capacity-settings").hidden = q.model !== "capacitated";
    HB.map.restyleSites();
    HB.sites.refresh(state.shown);
  }

  function numberOrNull(id) {
    const text = HB.$(id).value.trim();
    return text === "" ? null : Number(text);
  }

  function readControls() {
    const q = Object.assign({}, state.question);
    q.hubs = Number(HB.$("hubs").value);
    q.model = HB.$("model").value;
    q.mode = HB.$("mode").value;
    q.year = Number(HB.$("year").value);
    q.max_minutes = q.model === "mclp" ? numberOrNull("max-minutes") : null;
    q.min_population = q.model === "capacitated" ? numberOrNull("min-population") : null;
    q.max_population = q.model === "capacitated" ? numberOrNull("max-population") : null;
    if (q.model === "mclp" && q.max_minutes === null) q.max_minutes = choices().mclp_minutes;
    return q;
  }

  /* A new question: show it in the controls at once, then solve it (after the request in flight, if any). */
  function ask(q) {
    delete q.query;
    state.question = q;
    fillControls(q);
    solve();
  }
  HB.ask = ask;

  async function solve() {
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    state.again = false;
    const sequence = ++state.sequence;
    const question = state.question;
    HB.status("Solving…");
    document.body.classList.add("solving");
    try {
      const data = await HB.api("/api/answer", {question: question, sequence: sequence});
      if (!state.again) show(data);
    } catch (err) {
      if (!state.again) {
        HB.showError(err);
        state.question = state.shownQuestion;  // the previous answer stays, and the controls say so
        if (state.question) fillControls(state.question);
        HB.status(state.shown ? "The answer on screen is the previous one." : "No answer yet.");
      }
    } finally {
      state.busy = false;
      document.body.classList.remove("solving");
      if (state.again) solve();
    }
  }

  function show(data) {
    HB.clearError();
    const answer = data.answer;
    state.shown = answer;
    state.shownQuestion = data.question;
    state.question = data.question;
    delete state.question.query;
    state.shownSequence = data.sequence;
    HB.map.draw(answer);
    HB.answer.draw(answer);
    fillControls(state.question);
    const link = location.origin + "/?" + data.query;
    HB.$("link").value = link;
    history.replaceState(null, "", "/?" + data.query);
    HB.status(answer.proof.text + " · " + answer.open_site_ids.length + " hubs");
    document.body.dataset.answered = String(data.sequence);
    window.setTimeout(function () { HB.answer.explain(data.sequence); }, 0);
  }

  function initControls() {
    const c = choices();
    const hubs = HB.$("hubs");
    hubs.min = c.hubs.min;
    hubs.max = c.hubs.max;
    hubs.addEventListener("input", function () { HB.$("hubs-value").textContent = hubs.value; ask(readControls()); });
    const model = HB.$("model");
    c.models.forEach(function (m) {
      model.append(HB.el("option", {value: m.name, title: m.summary}, MODEL_LABELS[m.name] || m.name));
    });
    c.modes.forEach(function (m) { HB.$("mode").append(HB.el("option", {value: m}, m)); });
    for (let y = c.years.first; y <= c.years.last; y++) {
      HB.$("year").append(HB.el("option", {value: String(y)}, String(y) + (y === c.years.first ? " (base)" : "")));
    }
    ["model", "mode", "year", "max-minutes", "min-population", "max-population"].forEach(function (id) {
      HB.$(id).addEventListener("change", function () { ask(readControls()); });
    });
    HB.$("reset-sites").addEventListener("click", function () {
      const q = Object.assign({}, state.question);
      const d = c.default_question;
      q.must_open = d.must_open.slice();
      q.unavailable = d.unavailable.slice();
      ask(q);
    });
    HB.$("message-close").addEventListener("click", HB.clearError);
    document.querySelectorAll("#tabs button").forEach(function (tab) {
      tab.addEventListener("click", function () {
        document.querySelectorAll("#tabs button").forEach(function (t) {
          const on = t === tab;
          t.setAttribute("aria-selected", on ? "true" : "false");
          HB.$("tab-" + t.dataset.tab).hidden = !on;
        });
      });
    });
  }

  async function start() {
    try {
      const [setup, zones] = await Promise.all([HB.api("/api/setup"), HB.api("/api/zones")]);
      HB.setup = setup;
      HB.zones = zones;
      HB.siteIndex = {};
      setup.sites.forEach(function (s) { HB.siteIndex[s.id] = s; });
      HB.$("scenario-name").textContent = "· " + setup.scenario;
      document.title = "hubopt workbench · " + setup.scenario;
      let question = setup.choices.default_question;
      if (location.search.length > 1) {
        try {
          question = (await HB.api("/api/question?query=" + encodeURIComponent(location.search.slice(1)))).question;
        } catch (err) {
          HB.showError(new Error("The link could not be read (" + err.message + "); showing the scenario's question."));
        }
      }
      delete question.query;
      state.question = question;
      HB.map.init();
      HB.sites.init();
      initControls();
      HB.options.init();
      fillControls(question);
      solve();
    } catch (err) {
      HB.showError(err);
      HB.status("The workbench could not start.");
    }
  }

  document.addEventListener("DOMContentLoaded", start);
})(window.HB);

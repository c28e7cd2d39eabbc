/* hubopt workbench: the searchable list of candidate sites (name first, code second), each with its state. */
"use strict";

(function (HB) {
  const S = HB.sites = {rows: {}};

  S.init = function () {
    const list = HB.$("site-list");
    HB.setup.sites.forEach(function (site) {
      const select = HB.el("select", {"aria-label": "State of " + site.name, "data-site": site.id,
        onchange: function (event) { HB.setSiteState(site.id, event.target.value); }});
      Object.keys(HB.STATE_TEXT).forEach(function (state) {
        select.append(HB.el("option", {value: state}, state === "free" ? "free" : HB.STATE_TEXT[state]));
      });
      const icon = HB.el("span", {class: "list-icon"});
      const row = HB.el("li", {class: "site", "data-site": site.id},
        icon,
        HB.el("button", {type: "button", class: "site-name", title: "Show on the map",
          onclick: function () { S.showOnMap(site.id); }},
          HB.el("span", {class: "name"}, site.name), HB.el("span", {class: "code"}, site.id + " · " + site.type)),
        select);
      S.rows[site.id] = {row: row, select: select, icon: icon, text: (site.name + " " + site.id).toLowerCase()};
      list.append(row);
    });
    HB.$("site-search").addEventListener("input", function (event) { S.filter(event.target.value); });
  };

  S.filter = function (text) {
    const words = text.toLowerCase().split(/\s+/).filter(Boolean);
    Object.values(S.rows).forEach(function (entry) {
      entry.row.hidden = !words.every(function (w) { return entry.text.indexOf(w) >= 0; });
    });
  };

  S.showOnMap = function (id) {
    const marker = HB.map.markers[id];
    HB.map.map.panTo(marker.getLatLng());
    marker.openPopup();
  };

  /* Show each site's state and whether it is a hub of the answer on screen. */
  S.refresh = function (answer) {
    const chosen = new Set(answer ? answer.open_site_ids : []);
    HB.setup.sites.forEach(function (site) {
      const entry = S.rows[site.id];
      const state = HB.siteState(site.id);
      entry.select.value = state;
      entry.row.classList.toggle("chosen", chosen.has(site.id));
      entry.row.dataset.state = state;
      const kind = chosen.has(site.id) ? "hub" : (state === "unavailable" ? site.unavailable : site.free);
      entry.icon.innerHTML = HB.setup.symbols[kind];
      entry.icon.title = chosen.has(site.id) ? "chosen hub" : HB.STATE_TEXT[state];
    });
  };
})(window.HB);

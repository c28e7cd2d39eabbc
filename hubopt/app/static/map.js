/* hubopt workbench: the map. The zone layer is drawn once; each answer only recolours it and moves the site
   symbols, so a redraw is quick. Colours and symbols come from the server (hubopt's own map style). */
"use strict";

(function (HB) {
  const VIEWS = [
    ["travel", "Travel time to hub"],
    ["catchments", "Catchments"],
    ["deprivation", "Deprivation (IMD decile)"],
    ["growth", "Population growth"],
    ["population", "Population"],
  ];
  const STATE_TEXT = {free: "free (the optimiser decides)", must_open: "must open", unavailable: "unavailable"};
  HB.STATE_TEXT = STATE_TEXT;

  const M = HB.map = {view: "travel", zones: [], markers: {}, answer: null};

  /* Colour of zone i in a view, for an answer (null before the first answer). */
  M.colour = function (view, i, answer) {
    const s = HB.setup.style;
    const props = HB.zones.features[i].properties;
    if (view === "deprivation") {
      const d = props.imd_decile;
      return d ? s.imd_colours[d - 1] : "#d9d9d9";
    }
    if (view === "growth") return growthColour(props.growth_pct);
    if (view === "population") return populationColour(props.population);
    if (!answer) return "#d9d9d9";
    if (view === "catchments") {
      const k = M.hubNumber(answer, answer.zone_hub[i]);
      return k < 0 ? s.no_hub_colour : s.catchment_colours[k % s.catchment_colours.length];
    }
    const t = answer.zone_minutes[i];
    if (t === null || t === undefined) return s.no_hub_colour;
    let band = 0;
    s.time_bands.forEach(function (edge, b) { if (t >= edge) band = b; });
    return s.time_colours[band];
  };

  /* The position of site index j among the answer's hubs (-1: none). */
  M.hubNumber = function (answer, j) {
    if (j < 0) return -1;
    return answer.open_site_ids.indexOf(HB.setup.sites[j].id);
  };

  function growthColour(pct) {
    const s = HB.setup.style;
    if (pct === null || pct === undefined) return "#d9d9d9";
    const shown = Math.round(pct * 10) / 10;
    if (shown === 0) return s.growth_colours[s.growth_no_change];
    if (shown < 0) return s.growth_colours[0];
    return s.growth_colours[1 + s.growth_edges.filter(function (e) { return e <= shown; }).length];
  }

  const POPULATION_COLOURS = ["#f2f0f7", "#cbc9e2", "#9e9ac8", "#756bb1", "#54278f"];
  let populationEdges = null;
  function populationColour(value) {
    if (value === null || value === undefined) return "#d9d9d9";
    if (!populationEdges) {
      const values = HB.zones.features.map(function (f) { return f.properties.population || 0; }).sort(function (a, b) { return a - b; });
      populationEdges = [0.2, 0.4, 0.6, 0.8].map(function (q) { return values[Math.floor(q * (values.length - 1))]; });
    }
    return POPULATION_COLOURS[populationEdges.filter(function (e) { return value >= e; }).length];
  }

  function symbolIcon(kind, state, chosen) {
    const html = HB.setup.symbols[kind];
    const size = chosen ? 34 : (state === "must_open" ? 24 : 20);
    return L.divIcon({
      className: "site-icon state-" + state + (chosen ? " chosen" : ""),
      html: html, iconSize: [size, size], iconAnchor: [size / 2, size / 2],
    });
  }

  function siteKind(site, state, chosen) {
    if (chosen) return "hub";
    return state === "unavailable" ? site.unavailable : site.free;
  }

  /* The menu that opens when a site is clicked: its name, code and the three states. */
  function siteMenu(site) {
    const box = HB.el("div", {class: "site-menu"},
      HB.el("strong", {}, site.name), HB.el("div", {class: "small"}, site.id + " · " + site.type));
    const current = HB.siteState(site.id);
    Object.keys(STATE_TEXT).forEach(function (state) {
      box.append(HB.el("button", {
        type: "button", class: "state-button" + (state === current ? " current" : ""), "data-state": state,
        "aria-pressed": state === current ? "true" : "false",
        onclick: function () { M.map.closePopup(); HB.setSiteState(site.id, state); },
      }, STATE_TEXT[state]));
    });
    return box;
  }

  M.init = function () {
    const style = HB.setup.style;
    M.map = L.map("map", {zoomControl: true, zoomSnap: 0.1, attributionControl: true});
    M.map.attributionControl.setPrefix(false);
    M.map.createPane("sites").style.zIndex = 650;
    M.layer = L.geoJSON(HB.zones, {
      style: function () {
        return {fillColor: "#d9d9d9", fillOpacity: style.zone_opacity, color: style.zone_outline, weight: 0.6, opacity: 0.8};
      },
      onEachFeature: function (feature, layer) {
        M.zones.push(layer);
        layer.bindTooltip(function () { return zoneTip(M.zones.indexOf(layer)); }, {sticky: true});
      },
    }).addTo(M.map);
    M.spokes = L.layerGroup().addTo(M.map);
    M.centres = M.zones.map(function (layer) { return layer.getBounds().getCenter(); });
    // Keep the area clear of the box of views and key on the right.
    M.map.fitBounds(M.layer.getBounds(), {paddingTopLeft: [10, 10], paddingBottomRight: [245, 10]});
    HB.setup.sites.forEach(function (site, j) {
      const marker = L.marker([site.lat, site.lon], {
        icon: symbolIcon(site.free, "free", false), pane: "sites", title: site.name, keyboard: true,
        alt: site.name,
      });
      marker.bindPopup(function () { return siteMenu(site); }, {className: "site-popup"});
      marker.siteIndex = j;
      marker.addTo(M.map);
      M.markers[site.id] = marker;
    });
    const views = HB.$("views");
    VIEWS.forEach(function (pair) {
      views.append(HB.el("label", {class: "view"},
        HB.el("input", {type: "radio", name: "view", value: pair[0], checked: pair[0] === M.view,
          onchange: function () { M.setView(pair[0]); }}), " " + pair[1]));
    });
    HB.$("tiles").addEventListener("change", function (event) { M.showTiles(event.target.checked); });
    M.legend();
  };

  function zoneTip(i) {
    const p = HB.zones.features[i].properties;
    const a = M.answer;
    let text = "<b>" + escapeHtml(p.zone_name || p.zone_id) + "</b><br>" + HB.people(p.population) + " people";
    if (p.imd_decile) text += " · IMD decile " + p.imd_decile;
    if (a) {
      const j = a.zone_hub[i];
      text += "<br>" + (j >= 0 ? HB.minutes(a.zone_minutes[i]) + " to " + escapeHtml(HB.setup.sites[j].name) : "no hub reachable");
    }
    return text;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  HB.escapeHtml = escapeHtml;

  M.setView = function (view) {
    M.view = view;
    M.recolour();
    M.legend();
  };

  M.recolour = function () {
    const a = M.answer;
    for (let i = 0; i < M.zones.length; i++) M.zones[i].setStyle({fillColor: M.colour(M.view, i, a)});
    M.spokes.clearLayers();
    if (a && M.view === "catchments") {
      const lines = [];
      a.zone_hub.forEach(function (j, i) {
        if (j >= 0) lines.push([M.centres[i], [HB.setup.sites[j].lat, HB.setup.sites[j].lon]]);
      });
      L.polyline(lines, {color: "#1a1a1a", weight: 0.7, opacity: 0.45, interactive: false}).addTo(M.spokes);
    }
  };

  /* Redraw for an answer: zone colours and every site's symbol (chosen / must open / unavailable / free). */
  M.draw = function (answer) {
    M.answer = answer;
    M.recolour();
    M.restyleSites();
    M.legend();
  };

  M.restyleSites = function () {
    const chosen = new Set(M.answer ? M.answer.open_site_ids : []);
    HB.setup.sites.forEach(function (site) {
      const state = HB.siteState(site.id);
      const isHub = chosen.has(site.id);
      const marker = M.markers[site.id];
      marker.setIcon(symbolIcon(siteKind(site, state, isHub), state, isHub));
      marker.setZIndexOffset(isHub ? 1000 : (state === "free" ? 0 : 500));
    });
  };

  M.legend = function () {
    const s = HB.setup.style;
    const box = HB.$("legend");
    box.replaceChildren();
    const entries = [];
    if (M.view === "travel") {
      s.time_labels.forEach(function (label, b) { entries.push([s.time_colours[b], label]); });
      entries.push([s.no_hub_colour, s.no_hub_label]);
    } else if (M.view === "catchments") {
      (M.answer ? M.answer.open_site_ids : []).forEach(function (id, k) {
        const site = HB.setup.sites.find(function (x) { return x.id === id; });
        entries.push([s.catchment_colours[k % s.catchment_colours.length], site ? site.name : id]);
      });
    } else if (M.view === "deprivation") {
      entries.push([s.imd_colours[0], "1: most deprived 10 % in England"]);
      for (let d = 2; d <= 9; d++) entries.push([s.imd_colours[d - 1], String(d)]);
      entries.push([s.imd_colours[9], "10: least deprived"]);
    } else if (M.view === "growth") {
      s.growth_labels.forEach(function (label, b) { entries.push([s.growth_colours[b], label]); });
    } else {
      populationColour(0);
      const edges = populationEdges;
      const labels = ["under " + HB.people(edges[0])].concat(edges.slice(0, -1).map(function (e, k) {
        return HB.people(e) + " to " + HB.people(edges[k + 1]);
      })).concat([HB.people(edges[3]) + " or more"]);
      labels.forEach(function (label, b) { entries.push([POPULATION_COLOURS[b], label + " people"]); });
    }
    box.append(HB.el("h3", {}, VIEWS.find(function (v) { return v[0] === M.view; })[1]));
    entries.forEach(function (e) {
      box.append(HB.el("div", {class: "key"}, HB.el("span", {class: "swatch", style: "background:" + e[0]}), e[1]));
    });
    const symbols = HB.el("div", {class: "key-symbols"});
    symbols.innerHTML = HB.setup.symbols.hub + " chosen hub <span class='ring'></span> must open" +
      (HB.setup.symbols.external ? " " + HB.setup.symbols.external + " border service (not a hub)" : "");
    box.append(symbols);
  };

  M.showTiles = function (on) {
    const note = HB.$("tiles-note");
    if (!on) {
      if (M.tiles) M.map.removeLayer(M.tiles);
      note.hidden = true;
      return;
    }
    if (!M.tiles) {
      M.tiles = L.tileLayer(HB.setup.style.tile_url, {attribution: HB.setup.style.tile_attribution, maxZoom: 19});
      M.tiles.on("tileerror", function () {
        note.textContent = "The street map cannot load (no internet?): the zones and sites work without it.";
        note.hidden = false;
      });
      M.tiles.on("tileload", function () { note.hidden = true; });
    }
    M.tiles.addTo(M.map);
    M.tiles.bringToBack();
  };

  /* A small map (no tiles) of one answer's travel times and hubs, for the side-by-side comparison. */
  M.smallMap = function (container, answer) {
    const small = L.map(container, {zoomControl: false, attributionControl: false, dragging: false, zoomSnap: 0.1,
      scrollWheelZoom: false, doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false});
    let i = 0;
    const layer = L.geoJSON(HB.zones, {
      style: function () {
        const colour = M.colour("travel", i++, answer);
        return {fillColor: colour, fillOpacity: 0.8, color: "#ffffff", weight: 0.3};
      },
      interactive: false,
    }).addTo(small);
    answer.open_site_ids.forEach(function (id) {
      const site = HB.setup.sites.find(function (x) { return x.id === id; });
      if (!site) return;
      L.marker([site.lat, site.lon], {
        icon: L.divIcon({className: "site-icon small-hub", html: HB.setup.symbols.hub, iconSize: [14, 14], iconAnchor: [7, 7]}),
        interactive: false,
      }).addTo(small);
    });
    small.fitBounds(layer.getBounds(), {padding: [4, 4]});
    return small;
  };
})(window.HB);

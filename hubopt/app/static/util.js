/* hubopt workbench: shared helpers (the server calls, elements, numbers). Everything lives under window.HB. */
"use strict";
window.HB = window.HB || {};

(function (HB) {
  /* Ask the server: GET when body is undefined, else POST the body as JSON. Resolves to the JSON answer;
     rejects with an Error whose message is the server's plain message. */
  HB.api = async function (path, body) {
    const init = body === undefined ? {method: "GET"} : {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    };
    init.credentials = "same-origin";
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new Error("the workbench is not answering (was hubopt app stopped?)");
    }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) {
      throw new Error((data && data.error) || ("the server answered " + response.status));
    }
    return data;
  };

  /* A new element: el("td", {class: "n"}, "text", child, ...). */
  HB.el = function (tag, attrs) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of Array.prototype.slice.call(arguments, 2)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  HB.$ = function (id) { return document.getElementById(id); };

  HB.minutes = function (value) {
    return value === null || value === undefined ? "–" : value.toFixed(1) + " min";
  };
  HB.percent = function (share) {
    return share === null || share === undefined ? "–" : (100 * share).toFixed(1) + " %";
  };
  HB.people = function (value) {
    return value === null || value === undefined ? "–" : Math.round(value).toLocaleString("en-GB");
  };

  /* A number in a table: people as whole numbers, large numbers with separators, others to 2 decimals. */
  HB.number = function (value, column) {
    if (/people|population/i.test(String(column)) || Math.abs(value) >= 1000) {
      return Math.round(value).toLocaleString("en-GB");
    }
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  };

  /* A table from a JSON table: {columns: [...], rows: [[...], ...]} or a list of row objects. */
  HB.table = function (data, options) {
    const opts = options || {};
    let columns, rows;
    if (Array.isArray(data)) {
      columns = data.length ? Object.keys(data[0]) : [];
      rows = data.map(function (row) { return columns.map(function (c) { return row[c]; }); });
    } else if (data && Array.isArray(data.columns)) {
      columns = data.columns;
      rows = data.rows || data.data || [];
      if (rows.length && !Array.isArray(rows[0])) {
        rows = rows.map(function (row) { return columns.map(function (c) { return row[c]; }); });
      }
      if (Array.isArray(data.index) && data.index.length === rows.length && !opts.noIndex) {
        columns = [data.index_name || ""].concat(columns);
        rows = rows.map(function (row, i) { return [data.index[i]].concat(row); });
      }
    } else {
      return HB.el("p", {class: "small"}, "(no table)");
    }
    const limit = opts.limit || rows.length;
    const table = HB.el("table", {class: "data " + (opts.className || "")});
    const head = HB.el("tr");
    columns.forEach(function (c) { head.append(HB.el("th", {scope: "col"}, String(c).replace(/_/g, " "))); });
    table.append(HB.el("thead", {}, head));
    const body = HB.el("tbody");
    rows.slice(0, limit).forEach(function (row) {
      const tr = HB.el("tr");
      row.forEach(function (cell, i) {
        const number = typeof cell === "number";
        const text = number ? HB.number(cell, columns[i]) : (cell === null || cell === undefined ? "–" : String(cell));
        tr.append(HB.el(i === 0 ? "th" : "td", {class: number ? "n" : null, scope: i === 0 ? "row" : null}, text));
      });
      body.append(tr);
    });
    table.append(body);
    if (rows.length > limit) {
      table.append(HB.el("caption", {class: "small"}, "First " + limit + " of " + rows.length + " rows."));
    }
    return table;
  };

  HB.list = function (sentences, className) {
    const ul = HB.el("ul", {class: className || "sentences"});
    (sentences || []).forEach(function (s) { ul.append(HB.el("li", {}, s)); });
    return ul;
  };
})(window.HB);

// The dashboard's two pages: the bill (public) and the operator's ground truth (needs the service token).
"use strict";

const TOKEN_KEY = "driftworld-token";
const state = { org: "", account: "", organizations: [] };
const CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
const LAYOUT = {
  margin: { l: 60, r: 20, t: 10, b: 40 },
  paper_bgcolor: "#ffffff",
  plot_bgcolor: "#ffffff",
  font: { family: "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif", size: 12, color: "#1f2933" },
  legend: { orientation: "h", y: -0.15 },
  hovermode: "x unified",
  colorway: [
    "#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#92400e", "#db2777", "#6b7280",
    "#ca8a04", "#0891b2", "#1e3a8a", "#65a30d", "#fb7185", "#0f766e", "#a21caf", "#475569",
  ],
  xaxis: { type: "date", gridcolor: "#eef1f4" },
  yaxis: { gridcolor: "#eef1f4", zerolinecolor: "#9aa5b1" },
};

const money = (value) =>
  "$" + Number(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function readTokenFromHash() {
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

async function getJSON(path, withToken) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (withToken && token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, { headers });
  if (!response.ok) {
    const error = new Error(path + ": HTTP " + response.status);
    error.status = response.status;
    throw error;
  }
  return response.json();
}

function scopeQuery() {
  const params = new URLSearchParams();
  if (state.org) params.set("org", state.org);
  if (state.account) params.set("account", state.account);
  const text = params.toString();
  return text ? "?" + text : "";
}

function fillAccounts() {
  const select = document.getElementById("account");
  const orgs = state.org ? state.organizations.filter((o) => o.id === state.org) : state.organizations;
  select.replaceChildren(new Option("All accounts", ""));
  for (const org of orgs) {
    for (const account of org.accounts) select.add(new Option(account.name, account.id));
  }
  if (![...select.options].some((o) => o.value === state.account)) state.account = "";
  select.value = state.account;
}

async function setUpFilters(render) {
  const params = new URLSearchParams(location.search);
  state.org = params.get("org") || "";
  state.account = params.get("account") || "";
  state.organizations = (await getJSON("/dashboard/api/scope")).organizations;
  const orgSelect = document.getElementById("org");
  for (const org of state.organizations) orgSelect.add(new Option(org.name, org.id));
  orgSelect.value = state.organizations.some((o) => o.id === state.org) ? state.org : "";
  state.org = orgSelect.value;
  fillAccounts();
  const changed = () => {
    history.replaceState(null, "", location.pathname + scopeQuery());
    for (const chart of document.querySelectorAll(".chart")) chart.dataset.ready = "";
    render();
  };
  orgSelect.addEventListener("change", () => {
    state.org = orgSelect.value;
    fillAccounts();
    changed();
  });
  document.getElementById("account").addEventListener("change", (event) => {
    state.account = event.target.value;
    changed();
  });
}

function plot(id, traces, layout) {
  const element = document.getElementById(id);
  element.dataset.ready = "";
  return Plotly.react(element, traces, { ...LAYOUT, ...layout }, CONFIG).then(() => {
    element.dataset.ready = "1";
  });
}

// -- the bill -------------------------------------------------------------------------------------

async function renderCost() {
  const data = await getJSON("/dashboard/api/costs" + scopeQuery());
  const traces = data.services.map((service) => ({
    type: "bar",
    name: service.name,
    x: data.days,
    y: service.cost,
    hovertemplate: "%{y:$,.2f}",
  }));
  const forecast = data.forecast;
  if (forecast.days.length) {
    traces.push({
      type: "scatter",
      mode: "lines",
      name: "Forecast at the current rate",
      x: [data.days[data.days.length - 1], ...forecast.days],
      y: [forecast.daily, ...forecast.days.map(() => forecast.daily)],
      line: { dash: "dash", color: "#1f2933", width: 2 },
      hovertemplate: "%{y:$,.2f}",
    });
  }
  document.getElementById("newest").textContent = data.days.length
    ? data.days[data.days.length - 1] + ": " + money(data.totals[data.totals.length - 1])
    : "no history";
  document.getElementById("rate-label").textContent =
    "Current rate (mean of the last " + forecast.rate_window_days + " days)";
  document.getElementById("rate").textContent = money(forecast.daily) + " / day";
  document.getElementById("forecast").textContent = money(forecast.total);
  await plot("cost-chart", traces, { barmode: "relative", yaxis: { ...LAYOUT.yaxis, title: { text: "USD per day" } } });
}

// -- the operator's pages -------------------------------------------------------------------------

function fillTable(selector, rows) {
  document.querySelector(selector + " tbody").replaceChildren(
    ...rows.map((cells) => {
      const row = document.createElement("tr");
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }),
  );
}

async function renderOperator() {
  const [waste, activity, board] = await Promise.all([
    getJSON("/dashboard/api/waste" + scopeQuery(), true),
    getJSON("/dashboard/api/activity" + scopeQuery(), true),
    getJSON("/dashboard/api/leaderboard", true),
  ]);
  if (board.folder === null) {
    document.getElementById("leaderboard-note").textContent =
      "Set DRIFTWORLD_BENCH_RUNS to a folder of bench run folders to see the leaderboard here.";
  }
  fillTable(
    "#leaderboard",
    board.rows.map((r) => [
      r.suite,
      r.agent,
      r.pass_k ? "yes" : "no",
      (100 * r.capture_rate).toFixed(1) + "%",
      "$" + r.dollars_saved.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
      String(r.false_positives),
      String(r.violations),
    ]),
  );
  await plot(
    "waste-chart",
    waste.scenarios.map((s) => ({
      type: "scatter",
      mode: "lines",
      stackgroup: "open",
      name: s.name,
      x: waste.days,
      y: s.open,
    })),
    { yaxis: { ...LAYOUT.yaxis, title: { text: "open pieces" } } },
  );
  const total = (key) => waste.days.map((_, i) => waste.scenarios.reduce((sum, s) => sum + s[key][i], 0));
  await plot(
    "resolved-chart",
    [
      { type: "scatter", mode: "lines", name: "open waste, USD per day", x: waste.days, y: total("open_cost"), yaxis: "y2" },
      { type: "bar", name: "resolved by agents (to date)", x: waste.days, y: total("resolved_by_agent") },
      { type: "bar", name: "resolved otherwise (to date)", x: waste.days, y: total("resolved_otherwise") },
    ],
    {
      barmode: "stack",
      yaxis: { ...LAYOUT.yaxis, title: { text: "pieces resolved" } },
      yaxis2: { overlaying: "y", side: "right", title: { text: "USD per day" }, showgrid: false, tickformat: "$,.2f" },
      margin: { ...LAYOUT.margin, r: 70 },
    },
  );
  const series = [
    ["actions", "agent changes", "#2563eb"],
    ["fixes", "waste fixed", "#16a34a"],
    ["false_positives", "false positives", "#f59e0b"],
    ["violations", "policy violations", "#dc2626"],
  ];
  await plot(
    "activity-chart",
    series.map(([key, name, color]) => ({ type: "bar", name, x: activity.days, y: activity[key], marker: { color } })),
    { barmode: "group", yaxis: { ...LAYOUT.yaxis, title: { text: "per virtual day" } } },
  );
  fillTable(
    "#changes",
    activity.changes.map((change) => [
      change.day,
      change.change_source,
      change.resource_type + " " + change.resource_id,
      change.field_name,
      change.old_value ?? "",
      change.new_value ?? "",
      change.finding ?? "",
    ]),
  );
}

async function startOperator() {
  readTokenFromHash();
  const asked = () => {
    document.getElementById("token-form").hidden = false;
    document.getElementById("operator").hidden = true;
  };
  const form = document.getElementById("token-form");
  const page = document.getElementById("operator");
  const show = async () => {
    form.hidden = true;
    page.hidden = false;
    try {
      if (!state.organizations.length) await setUpFilters(() => show());
      await renderOperator();
    } catch (error) {
      if (error.status !== 401) throw error;
      form.hidden = false;
      page.hidden = true;
    }
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value);
    await show();
    document.getElementById("token-error").textContent = form.hidden ? "" : "wrong token";
  });
  if (sessionStorage.getItem(TOKEN_KEY)) await show();
  else asked();
}

async function start() {
  if (document.body.dataset.page === "operator") {
    await startOperator();
  } else {
    await setUpFilters(renderCost);
    await renderCost();
  }
}

document.addEventListener("DOMContentLoaded", start);

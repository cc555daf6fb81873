// Brazilian formats for ag-grid cells (numbers stay numbers, so sorting and CSV export are exact).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
dagfuncs.BRL = function (v) {
  return v === null || v === undefined || v === "" ? "—"
    : Number(v).toLocaleString("pt-BR", {style: "currency", currency: "BRL"});
};
dagfuncs.PCT = function (v) {
  return v === null || v === undefined || v === "" ? "—"
    : Number(v).toLocaleString("pt-BR", {minimumFractionDigits: 1, maximumFractionDigits: 1}) + "%";
};
dagfuncs.NUM = function (v) {
  return v === null || v === undefined || v === "" ? "—" : Number(v).toLocaleString("pt-BR");
};
dagfuncs.RAZAO = function (v) {
  return v === null || v === undefined || v === "" ? "—"
    : Number(v).toLocaleString("pt-BR", {minimumFractionDigits: 1, maximumFractionDigits: 1}) + "x";
};
dagfuncs.DATA = function (v) {
  if (v === null || v === undefined || v === "") { return "—"; }
  const p = String(v).slice(0, 10).split("-");
  return p.length === 3 ? p[2] + "/" + p[1] + "/" + p[0] : String(v);
};
dagfuncs.DURACAO = function (v) {
  if (v === null || v === undefined || v === "") { return "—"; }
  const s = Number(v);
  if (s < 60) { return s.toLocaleString("pt-BR", {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " s"; }
  if (s < 3600) { return Math.floor(s / 60) + " min " + String(Math.floor(s % 60)).padStart(2, "0") + " s"; }
  return Math.floor(s / 3600) + " h " + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + " min";
};

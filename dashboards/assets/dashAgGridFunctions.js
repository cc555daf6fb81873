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

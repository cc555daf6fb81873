// A KPI card's label opens its definition in the Dicionário keeping the page's filters in the URL,
// so going back to a page from there finds the same view.
document.addEventListener("click", function (e) {
  const link = e.target.closest ? e.target.closest("a.kpi-rotulo") : null;
  if (link && link.hash) {
    link.href = "/dicionario" + window.location.search + link.hash;
  }
}, true);

"""The global filters (RF-12): period, region, category, team, seller, kept in the URL.

The query string is the single source of truth: `?de=2024-11-01&ate=2024-11-30&regiao=SE&regiao=S`.
Every page callback reads it, parses it here and validates it against the known values
before any of it reaches SQL. Anything malformed (wrong type, huge string, bad date,
unknown value) becomes a `FiltroInvalido` with a message a manager can read.

Pure functions, no database: the known values are passed in (see queries.opcoes()).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import parse_qsl, urlencode

DIMENSOES = ("regiao", "categoria", "equipe", "vendedor")
ROTULOS = {"regiao": "Região", "categoria": "Categoria", "equipe": "Equipe", "vendedor": "Vendedor",
           "de": "Data inicial", "ate": "Data final"}
MAX_QUERY = 4000           # characters of a query string we are willing to parse
MAX_VALOR = 120            # characters of one filter value
MAX_VALORES = 100          # values of one dimension
MAX_DIAS = 3700            # about ten years
_DATA = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FiltroInvalido(ValueError):
    """A filter value that cannot be used; the message is shown on the page as is."""


@dataclass(frozen=True)
class Filtros:
    de: date | None = None
    ate: date | None = None
    regiao: tuple[str, ...] = field(default=())
    categoria: tuple[str, ...] = field(default=())
    equipe: tuple[str, ...] = field(default=())
    vendedor: tuple[str, ...] = field(default=())

    def chave(self) -> tuple:
        """Normalized, hashable form (sorted, deduplicated): the cache key of a filter combination."""
        return (self.de, self.ate, *(tuple(sorted(set(getattr(self, d)))) for d in DIMENSOES))

    def com_periodo(self, de: date, ate: date) -> "Filtros":
        return replace(self, de=de, ate=ate)

    def periodo_anterior(self) -> "Filtros":
        """The period the KPI cards compare with (same filters):
        - whole calendar months (1st .. last day) -> the same number of calendar months just before
          (November -> October; October-November -> August-September);
        - a period from a 1st to a day that is not a month end (month to date, or months + month to
          date) spanning N months -> the same span N months earlier, up to the same day (capped at
          that month's end): 1-20 November -> 1-20 October; 1 October-20 November -> 1 August-20 September;
        - any other period -> the period of equal length just before it."""
        de, ate = self.de, self.ate
        if de.day == 1:
            meses = (ate.year - de.year) * 12 + ate.month - de.month + 1
            if ate == _fim_do_mes(ate):
                inicio = _somar_meses(de, -meses)
                return replace(self, de=inicio, ate=de - timedelta(days=1))
            inicio = _somar_meses(de, -meses)
            fim_mes = _somar_meses(ate.replace(day=1), -meses)
            return replace(self, de=inicio, ate=fim_mes.replace(day=min(ate.day, _fim_do_mes(fim_mes).day)))
        dias = (ate - de).days + 1
        return replace(self, de=de - timedelta(days=dias), ate=de - timedelta(days=1))

    def descricao_anterior(self) -> str:
        """How the comparison period is named on the KPI cards."""
        ant = self.periodo_anterior()
        if self.de.day == 1 and self.ate == _fim_do_mes(self.ate):
            return "vs mês anterior" if (self.de.year, self.de.month) == (self.ate.year, self.ate.month) \
                else "vs meses anteriores"
        if self.de.day == 1:
            meses = (self.ate.year - self.de.year) * 12 + self.ate.month - self.de.month + 1
            return "vs mesmo período do mês anterior" if meses == 1 else f"vs mesmo período {meses} meses antes"
        return f"vs {(ant.ate - ant.de).days + 1} dias anteriores"


def _fim_do_mes(dia: date) -> date:
    return dia.replace(day=calendar.monthrange(dia.year, dia.month)[1])


def _somar_meses(dia: date, meses: int) -> date:
    """The 1st of the month `meses` months from `dia`'s month (dia must be a 1st or is treated as one)."""
    n = dia.year * 12 + dia.month - 1 + meses
    return date(n // 12, n % 12 + 1, 1)


def _texto(value, nome: str) -> str:
    if not isinstance(value, str):
        raise FiltroInvalido(f"{ROTULOS.get(nome, nome)}: valor em formato inesperado.")
    if len(value) > MAX_VALOR:
        raise FiltroInvalido(f"{ROTULOS.get(nome, nome)}: valor longo demais ({len(value)} caracteres).")
    if any(ord(c) < 32 for c in value):
        raise FiltroInvalido(f"{ROTULOS.get(nome, nome)}: valor com caracteres de controle.")
    return value


def lista(value, nome: str) -> tuple[str, ...]:
    """A dropdown value (None, a string or a list of strings) -> tuple of strings; anything else is refused."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise FiltroInvalido(f"{ROTULOS.get(nome, nome)}: valor em formato inesperado.")
    if len(value) > MAX_VALORES:
        raise FiltroInvalido(f"{ROTULOS.get(nome, nome)}: valores demais ({len(value)}).")
    return tuple(dict.fromkeys(_texto(v, nome) for v in value if v != ""))


def data(value, nome: str) -> date | None:
    """'2024-11-05' (or a date picker's '2024-11-05T00:00:00') -> date; None stays None."""
    if value is None or value == "":
        return None
    texto = _texto(value, nome)
    if len(texto) > 10 and texto[10] == "T":  # dcc.DatePickerRange may send a time part
        texto = texto[:10]
    if not _DATA.match(texto):
        raise FiltroInvalido(f"{ROTULOS[nome]}: use o formato aaaa-mm-dd (recebido: {texto[:40]!r}).")
    try:
        parsed = date.fromisoformat(texto)
    except ValueError:
        raise FiltroInvalido(f"{ROTULOS[nome]}: {texto!r} não é uma data válida.") from None
    if not date(2000, 1, 1) <= parsed <= date(2100, 12, 31):
        raise FiltroInvalido(f"{ROTULOS[nome]}: {parsed:%d/%m/%Y} está fora do intervalo aceito.")
    return parsed


def montar(de=None, ate=None, regiao=None, categoria=None, equipe=None, vendedor=None) -> Filtros:
    """Build and check filters from loose values (URL parameters or component values)."""
    f = Filtros(data(de, "de"), data(ate, "ate"), lista(regiao, "regiao"), lista(categoria, "categoria"),
                lista(equipe, "equipe"), lista(vendedor, "vendedor"))
    if f.de and f.ate:
        if f.de > f.ate:
            raise FiltroInvalido(f"Período inválido: a data inicial ({f.de:%d/%m/%Y}) é posterior à final "
                                 f"({f.ate:%d/%m/%Y}).")
        if (f.ate - f.de).days > MAX_DIAS:
            raise FiltroInvalido("Período longo demais: escolha no máximo dez anos.")
    return f


def de_url(search) -> Filtros:
    """Parse a query string ('?de=...&regiao=SE&regiao=S'); unknown parameters are ignored."""
    if search is None or search == "":
        return Filtros()
    if not isinstance(search, str):
        raise FiltroInvalido("Endereço com filtros em formato inesperado.")
    if len(search) > MAX_QUERY:
        raise FiltroInvalido(f"Endereço longo demais ({len(search)} caracteres) para ser um filtro.")
    valores: dict[str, list[str]] = {}
    for chave, valor in parse_qsl(search.lstrip("?"), keep_blank_values=False):
        if chave in ("de", "ate", *DIMENSOES):
            valores.setdefault(chave, []).append(valor)
    for chave in ("de", "ate"):
        if len(valores.get(chave, [])) > 1:
            raise FiltroInvalido(f"{ROTULOS[chave]}: informe uma só data.")
    return montar(**{k: (v[0] if k in ("de", "ate") else v) for k, v in valores.items()})


# page options kept in the URL beside the filters (the pages read them; the filter bar keeps them)
OPCOES_PAGINA = {"grao": ("dia", "mes")}


def opcao(search, nome: str) -> str:
    """A page option from the query string ('?grao=mes'), its first allowed value by default."""
    permitidos = OPCOES_PAGINA[nome]
    if isinstance(search, str) and len(search) <= MAX_QUERY:
        for chave, valor in parse_qsl(search.lstrip("?")):
            if chave == nome and valor in permitidos:
                return valor
    return permitidos[0]


def com_opcao(search, nome: str, valor: str) -> str:
    """The query string with a page option set (the default value is left out of the URL)."""
    pares = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != nome] \
        if isinstance(search, str) and len(search) <= MAX_QUERY else []
    if valor != OPCOES_PAGINA[nome][0]:
        pares.append((nome, valor))
    return f"?{urlencode(pares)}" if pares else ""


def para_url(f: Filtros, search=None) -> str:
    """Filters -> '?de=...&regiao=...' ('' when nothing is filtered); page options of `search` are kept."""
    pares: list[tuple[str, str]] = []
    if f.de:
        pares.append(("de", f.de.isoformat()))
    if f.ate:
        pares.append(("ate", f.ate.isoformat()))
    for d in DIMENSOES:
        pares.extend((d, v) for v in getattr(f, d))
    for nome in OPCOES_PAGINA:
        valor = opcao(search, nome)
        if valor != OPCOES_PAGINA[nome][0]:
            pares.append((nome, valor))
    return f"?{urlencode(pares)}" if pares else ""


def validar(f: Filtros, conhecidos: dict[str, dict[str, str]]) -> None:
    """Every value must be a known one (conhecidos: dimension -> {value: label})."""
    for d in DIMENSOES:
        desconhecidos = [v for v in getattr(f, d) if v not in conhecidos.get(d, {})]
        if desconhecidos:
            amostra = ", ".join(repr(v[:40]) for v in desconhecidos[:3])
            raise FiltroInvalido(f"{ROTULOS[d]} inexistente: {amostra}. Escolha um valor da lista.")


def resolver_periodo(f: Filtros, ultima_data: date | None) -> Filtros:
    """Default period: the previous calendar month and the month of the latest data up to that day, so
    the first screen always shows at least a month of history (on the 2nd of a month too)."""
    ate = f.ate or ultima_data or date.today()
    de = f.de or _somar_meses(ate.replace(day=1), -1)
    if de > ate:  # only `de` was given, after the latest data
        ate = de
    return f.com_periodo(de, ate)

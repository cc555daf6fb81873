"""Brazilian Portuguese number and date formats for what business users read.

R$ 1.234,56 for money, 12,3% for ratios, 1.234 for counts, dd/mm/aaaa for dates.
Every function accepts None (and NaN) and returns an em dash, so a card with no data
reads "—" instead of "nan" or "None".
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

VAZIO = "—"


def _missing(value) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _round(value, casas: int) -> Decimal:
    """Half-up rounding (what people expect of money: 0,125 -> 0,13), not banker's rounding."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-casas), rounding=ROUND_HALF_UP)


def _swap(text: str) -> str:
    """1,234.56 (Python's grouping) -> 1.234,56 (Brazilian)."""
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def numero(value, casas: int = 0) -> str:
    """1234.5 -> '1.234,50' with `casas` decimals; 1234 -> '1.234'."""
    if _missing(value):
        return VAZIO
    rounded = _round(value, casas)
    text = _swap(f"{abs(rounded):,.{casas}f}")
    return f"-{text}" if rounded < 0 else text


def moeda(value, casas: int = 2) -> str:
    """1234.56 -> 'R$ 1.234,56'; -5 -> '-R$ 5,00'."""
    if _missing(value):
        return VAZIO
    text = numero(abs(Decimal(str(value))), casas)
    return f"-R$ {text}" if _round(value, casas) < 0 else f"R$ {text}"


def moeda_compacta(value) -> str:
    """Short money for chart labels and axes, the one rule of every chart: R$ 1,2 mi, R$ 35,4 mil,
    R$ 50 mil (a whole number loses its ',0'), R$ 950 (under a thousand: whole reais)."""
    if _missing(value):
        return VAZIO
    v = float(value)
    sinal = "-" if _round(v, 0) < 0 else ""
    for limite, sufixo in ((1e9, "bi"), (1e6, "mi"), (1e3, "mil")):
        if abs(v) >= limite * 0.9995:  # 999.950 rounds to 1 mi, not to 1.000,0 mil
            texto = numero(abs(v) / limite, 1)
            return f"{sinal}R$ {texto.removesuffix(',0')} {sufixo}"
    return f"{sinal}R$ {numero(abs(v), 0)}"


def passo_eixo(maximo: float, marcas: int = 5) -> float:
    """A round step (1, 2, 2,5 or 5 x 10^n) giving about `marcas` ticks from 0 to `maximo`."""
    import math

    if not maximo or maximo <= 0 or math.isnan(maximo):
        return 1.0
    bruto = maximo / marcas
    base = 10 ** math.floor(math.log10(bruto))
    return next(m * base for m in (1, 2, 2.5, 5, 10) if m * base >= bruto)


def eixo_moeda(valores, marcas: int = 5) -> dict:
    """Plotly axis settings for money: ticks at round values labelled by moeda_compacta (the same
    'mil'/'mi' as the bar labels, instead of Plotly's '15k' / '1,5M'). Negative values are covered."""
    import math

    vals = [float(v) for v in valores if not _missing(v)]
    alto, baixo = max(vals + [0.0]), min(vals + [0.0])
    passo = passo_eixo(max(alto, -baixo), marcas)
    inicio, fim = math.floor(baixo / passo), math.ceil(alto / passo)
    ticks = [k * passo for k in range(inicio, max(fim, inicio + 1) + 1)]
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [moeda_compacta(t) for t in ticks]}


def variacao_pp(value, casas: int = 1) -> str:
    """A change of a ratio in percentage points: 1.23 -> '+1,2 p.p.'."""
    if _missing(value):
        return VAZIO
    texto = numero(abs(value), casas)
    if texto == numero(0, casas):
        return f"{texto} p.p."
    return f"{'+' if value > 0 else '-'}{texto} p.p."


def percentual(value, casas: int = 1) -> str:
    """A percentage already multiplied by 100: 12.345 -> '12,3%'."""
    if _missing(value):
        return VAZIO
    return f"{numero(value, casas)}%"


def razao_percentual(value, casas: int = 1) -> str:
    """A ratio: 0.12345 -> '12,3%'."""
    if _missing(value):
        return VAZIO
    return percentual(float(value) * 100, casas)


def variacao(value, casas: int = 1) -> str:
    """A signed change in percent: 5.0 -> '+5,0%', -2.25 -> '-2,3%' (rounded half up on the magnitude)."""
    if _missing(value):
        return VAZIO
    text = percentual(abs(value), casas)
    if text == percentual(0, casas):
        return text
    return f"+{text}" if value > 0 else f"-{text}"


def data(value) -> str:
    """date(2024, 11, 5) or '2024-11-05' -> '05/11/2024'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return VAZIO
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime().date()
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def data_hora(value) -> str:
    """A timestamp -> '05/11/2024 08:03'."""
    if value is None:
        return VAZIO
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return f"{data(value)} {value.hour:02d}:{value.minute:02d}"


def duracao(segundos) -> str:
    """Seconds -> '0,8 s', '2 min 05 s', '1 h 02 min'."""
    if _missing(segundos):
        return VAZIO
    s = float(segundos)
    if s < 60:
        return f"{numero(s, 1)} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60):02d} s"
    return f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min"


MESES = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
         "outubro", "novembro", "dezembro"]


def mes_ano(value) -> str:
    """date(2024, 11, 1) -> 'novembro de 2024'."""
    if value is None:
        return VAZIO
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{MESES[value.month - 1]} de {value.year}"

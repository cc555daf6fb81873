"""Reference data for the generated shop: Brazil's regions and states (IBGE 2022 census
populations), cities, Portuguese product categories with price levels and margins, and
Portuguese names. Plain constants; nothing here touches the database."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools

REGIONS: dict[str, str] = {
    "N": "Norte",
    "NE": "Nordeste",
    "CO": "Centro-Oeste",
    "SE": "Sudeste",
    "S": "Sul",
}

# UF: (name, region, population (Censo 2022), cities: capital first)
STATES: dict[str, tuple[str, str, int, tuple[str, ...]]] = {
    "AC": ("Acre", "N", 830_018, ("Rio Branco", "Cruzeiro do Sul")),
    "AL": ("Alagoas", "NE", 3_127_683, ("Maceió", "Arapiraca")),
    "AM": ("Amazonas", "N", 3_941_613, ("Manaus", "Parintins")),
    "AP": ("Amapá", "N", 733_759, ("Macapá", "Santana")),
    "BA": ("Bahia", "NE", 14_141_626, ("Salvador", "Feira de Santana", "Vitória da Conquista")),
    "CE": ("Ceará", "NE", 8_794_957, ("Fortaleza", "Caucaia", "Juazeiro do Norte")),
    "DF": ("Distrito Federal", "CO", 2_817_381, ("Brasília",)),
    "ES": ("Espírito Santo", "SE", 3_833_712, ("Vitória", "Vila Velha", "Serra")),
    "GO": ("Goiás", "CO", 7_056_495, ("Goiânia", "Aparecida de Goiânia", "Anápolis")),
    "MA": ("Maranhão", "NE", 6_776_699, ("São Luís", "Imperatriz")),
    "MG": ("Minas Gerais", "SE", 20_539_989, ("Belo Horizonte", "Uberlândia", "Contagem", "Juiz de Fora")),
    "MS": ("Mato Grosso do Sul", "CO", 2_757_013, ("Campo Grande", "Dourados")),
    "MT": ("Mato Grosso", "CO", 3_658_649, ("Cuiabá", "Várzea Grande", "Rondonópolis")),
    "PA": ("Pará", "N", 8_120_131, ("Belém", "Ananindeua", "Santarém")),
    "PB": ("Paraíba", "NE", 3_974_687, ("João Pessoa", "Campina Grande")),
    "PE": ("Pernambuco", "NE", 9_058_931, ("Recife", "Jaboatão dos Guararapes", "Olinda")),
    "PI": ("Piauí", "NE", 3_271_199, ("Teresina", "Parnaíba")),
    "PR": ("Paraná", "S", 11_444_380, ("Curitiba", "Londrina", "Maringá")),
    "RJ": ("Rio de Janeiro", "SE", 16_055_174, ("Rio de Janeiro", "Niterói", "São Gonçalo", "Duque de Caxias")),
    "RN": ("Rio Grande do Norte", "NE", 3_302_729, ("Natal", "Mossoró")),
    "RO": ("Rondônia", "N", 1_581_196, ("Porto Velho", "Ji-Paraná")),
    "RR": ("Roraima", "N", 636_707, ("Boa Vista",)),
    "RS": ("Rio Grande do Sul", "S", 10_882_965, ("Porto Alegre", "Caxias do Sul", "Pelotas")),
    "SC": ("Santa Catarina", "S", 7_610_361, ("Florianópolis", "Joinville", "Blumenau")),
    "SE": ("Sergipe", "NE", 2_210_004, ("Aracaju", "Nossa Senhora do Socorro")),
    "SP": ("São Paulo", "SE", 44_411_238, ("São Paulo", "Campinas", "Guarulhos", "Santos", "Ribeirão Preto")),
    "TO": ("Tocantins", "N", 1_511_460, ("Palmas", "Araguaína")),
}

# category: (subcategories, median list price R$, gross margin over the list price)
CATEGORIES: dict[str, tuple[tuple[str, ...], float, float]] = {
    "Informática": (("Notebook", "Monitor", "Teclado", "Mouse", "Impressora"), 380.0, 0.22),
    "Celulares e Telefonia": (("Smartphone", "Fone de Ouvido", "Carregador", "Capinha"), 650.0, 0.18),
    "Eletrodomésticos": (("Geladeira", "Micro-ondas", "Lavadora", "Fogão"), 900.0, 0.24),
    "Eletroportáteis": (("Liquidificador", "Air Fryer", "Cafeteira", "Ventilador"), 190.0, 0.30),
    "Móveis e Decoração": (("Cadeira", "Mesa", "Estante", "Luminária", "Tapete"), 260.0, 0.40),
    "Cama, Mesa e Banho": (("Jogo de Lençol", "Toalha", "Travesseiro", "Edredom"), 95.0, 0.45),
    "Beleza e Saúde": (("Perfume", "Hidratante", "Shampoo", "Maquiagem"), 65.0, 0.50),
    "Esporte e Lazer": (("Tênis", "Bicicleta", "Bola", "Barraca"), 140.0, 0.38),
    "Brinquedos": (("Boneca", "Quebra-Cabeça", "Carrinho", "Jogo de Tabuleiro"), 85.0, 0.45),
    "Moda e Acessórios": (("Camiseta", "Calça Jeans", "Bolsa", "Mochila"), 110.0, 0.55),
    "Livros": (("Romance", "Livro Técnico", "Livro Infantil", "Biografia"), 48.0, 0.35),
    "Utilidades Domésticas": (("Panela", "Jogo de Copos", "Organizador", "Faqueiro"), 60.0, 0.45),
    "Automotivo": (("Pneu", "Som Automotivo", "Capa de Banco", "Kit de Ferramentas"), 150.0, 0.33),
    "Pet Shop": (("Ração", "Coleira", "Caminha", "Brinquedo Pet"), 75.0, 0.40),
    "Ferramentas e Jardim": (("Furadeira", "Mangueira", "Cortador de Grama", "Serra"), 170.0, 0.35),
    "Bebês": (("Carrinho de Bebê", "Fralda", "Mamadeira", "Berço"), 120.0, 0.40),
    "Relógios e Presentes": (("Relógio", "Óculos de Sol", "Kit Presente"), 210.0, 0.50),
    "Papelaria": (("Caderno", "Caneta", "Agenda", "Estojo"), 28.0, 0.50),
    "Games": (("Console", "Jogo", "Controle", "Headset Gamer"), 280.0, 0.20),
    "Alimentos e Bebidas": (("Café", "Vinho", "Chocolate", "Azeite"), 45.0, 0.30),
}

# relative popularity of the categories (orders), independent of price
CATEGORY_WEIGHTS: dict[str, float] = {
    "Informática": 7, "Celulares e Telefonia": 6, "Eletrodomésticos": 3, "Eletroportáteis": 5,
    "Móveis e Decoração": 8, "Cama, Mesa e Banho": 10, "Beleza e Saúde": 11, "Esporte e Lazer": 8,
    "Brinquedos": 5, "Moda e Acessórios": 7, "Livros": 3, "Utilidades Domésticas": 9, "Automotivo": 4,
    "Pet Shop": 3, "Ferramentas e Jardim": 4, "Bebês": 3, "Relógios e Presentes": 6, "Papelaria": 2,
    "Games": 2, "Alimentos e Bebidas": 2,
}

PRODUCT_ADJECTIVES = ("Essencial", "Premium", "Clássico", "Compacto", "Pro", "Plus", "Eco", "Max", "Lite", "Tropical")

FIRST_NAMES = (
    "Ana", "Maria", "Juliana", "Fernanda", "Camila", "Beatriz", "Larissa", "Patrícia", "Aline", "Bruna",
    "Gabriela", "Letícia", "Mariana", "Vanessa", "Luana", "Raquel", "Sandra", "Tatiane", "Débora", "Carla",
    "João", "José", "Pedro", "Lucas", "Gabriel", "Rafael", "Marcos", "Felipe", "Gustavo", "Bruno",
    "Thiago", "Rodrigo", "Eduardo", "Carlos", "Paulo", "André", "Leonardo", "Diego", "Vinícius", "Matheus",
)
LAST_NAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima", "Gomes",
    "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes", "Vieira", "Barbosa",
    "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Nunes", "Marques", "Machado", "Mendes", "Freitas",
)

SEGMENTS = (("varejo", 0.85), ("atacado", 0.10), ("corporativo", 0.05))

# statuses of an order, in the order an order goes through them (canceled/unavailable: final)
STATUS_FLOW = ("created", "approved", "invoiced", "processing", "shipped", "delivered")
FINAL_STATUSES = ("delivered", "canceled", "unavailable")

SHOP_TIMEZONE = dt.timezone(dt.timedelta(hours=-3), "BRT")  # Brasília time, no DST since 2019

# order volume by hour of the day (Brasília time), by weekday (Monday first)
HOUR_WEIGHTS = (2, 1, 0.6, 0.4, 0.4, 0.6, 1.2, 2.5, 4, 5.5, 6.5, 7, 6.8, 6.5, 6.5, 6.3, 6.2, 6, 6.2, 6.8, 7.2, 7, 5.5, 3.5)
WEEKDAY_WEIGHTS = (1.12, 1.10, 1.05, 1.00, 0.95, 0.82, 0.86)


def region_team_name(region_id: str, number: int | None = None) -> str:
    """'Equipe Sudeste' or 'Equipe Sudeste 2'."""
    base = f"Equipe {REGIONS[region_id]}"
    return base if number is None else f"{base} {number}"


def mothers_day(year: int) -> dt.date:
    """Second Sunday of May (Dia das Mães in Brazil)."""
    first = dt.date(year, 5, 1)
    return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7)


def black_friday(year: int) -> dt.date:
    """The Friday after the fourth Thursday of November."""
    first = dt.date(year, 11, 1)
    thursday = first + dt.timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + dt.timedelta(days=1)


def day_weight(day: dt.date, start: dt.date, yearly_growth: float = 0.2) -> float:
    """Relative order volume of a day: weekday pattern, retail calendar peaks, slow growth."""
    weight = WEEKDAY_WEIGHTS[day.weekday()]
    weight *= (1 + yearly_growth) ** ((day - start).days / 365.25)
    bf = black_friday(day.year)
    offset = (day - bf).days
    if offset == 0:
        weight *= 4.5
    elif -7 <= offset <= 3:  # Black Friday week and Cyber Monday
        weight *= 2.0 if offset != 3 else 2.5
    elif day.month == 12 and day.day <= 22:
        weight *= 1.45 + 0.02 * day.day  # Christmas shopping builds up
    elif day.month == 12 and day.day >= 24:
        weight *= 0.75
    md = mothers_day(day.year)
    if 0 <= (md - day).days <= 10:
        weight *= 1.6
    if day.month == 1 or (day.month == 2 and day.day < 20):
        weight *= 0.88  # post-holiday lull
    return weight


def campaigns(year: int) -> list[tuple[str, str, str, float, dt.date, dt.date]]:
    """Coupon campaigns of a year: (code, campaign, kind, value, valid_from, valid_to)."""
    bf, md = black_friday(year), mothers_day(year)
    return [
        (f"AULAS{year}", f"Volta às Aulas {year}", "percent", 8, dt.date(year, 1, 15), dt.date(year, 2, 15)),
        (f"CONSUMIDOR{year}", f"Dia do Consumidor {year}", "percent", 12, dt.date(year, 3, 10), dt.date(year, 3, 16)),
        (f"MAES{year}", f"Dia das Mães {year}", "fixed", 30, md - dt.timedelta(days=10), md),
        (f"NIVER{year}", f"Aniversário da Loja {year}", "fixed", 20, dt.date(year, 8, 1), dt.date(year, 8, 10)),
        (f"BLACK{year}", f"Black Friday {year}", "percent", 15, bf - dt.timedelta(days=7), bf + dt.timedelta(days=3)),
        (f"NATAL{year}", f"Natal {year}", "percent", 10, dt.date(year, 12, 1), dt.date(year, 12, 24)),
    ]


EVERGREEN_COUPON = ("BEMVINDO10", "Primeira Compra", "percent", 10)


STATE_CODES = tuple(STATES)
STATE_CUM = tuple(itertools.accumulate(STATES[uf][2] for uf in STATE_CODES))


def pick_state(rng) -> str:
    """A state drawn with probability proportional to its population."""
    return STATE_CODES[bisect.bisect_right(STATE_CUM, rng.random() * STATE_CUM[-1])]

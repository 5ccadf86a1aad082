"""Weekday and month names, so dates read naturally in every language (no system locale)."""

TEXTS: dict[str, tuple[str, str]] = {}

_WEEKDAYS = (
    ("Monday", "lunes"),
    ("Tuesday", "martes"),
    ("Wednesday", "miércoles"),
    ("Thursday", "jueves"),
    ("Friday", "viernes"),
    ("Saturday", "sábado"),
    ("Sunday", "domingo"),
)
_WEEKDAYS_SHORT = (
    ("Mon", "lun"),
    ("Tue", "mar"),
    ("Wed", "mié"),
    ("Thu", "jue"),
    ("Fri", "vie"),
    ("Sat", "sáb"),
    ("Sun", "dom"),
)
_MONTHS = (
    ("January", "enero"),
    ("February", "febrero"),
    ("March", "marzo"),
    ("April", "abril"),
    ("May", "mayo"),
    ("June", "junio"),
    ("July", "julio"),
    ("August", "agosto"),
    ("September", "septiembre"),
    ("October", "octubre"),
    ("November", "noviembre"),
    ("December", "diciembre"),
)
_MONTHS_SHORT = (
    ("Jan", "ene"),
    ("Feb", "feb"),
    ("Mar", "mar"),
    ("Apr", "abr"),
    ("May", "may"),
    ("Jun", "jun"),
    ("Jul", "jul"),
    ("Aug", "ago"),
    ("Sep", "sept"),
    ("Oct", "oct"),
    ("Nov", "nov"),
    ("Dec", "dic"),
)

# date.weekday.0 is Monday (datetime.weekday()); date.month.1 is January (datetime.month).
TEXTS.update({f"date.weekday.{i}": names for i, names in enumerate(_WEEKDAYS)})
TEXTS.update({f"date.weekday_short.{i}": names for i, names in enumerate(_WEEKDAYS_SHORT)})
TEXTS.update({f"date.month.{i}": names for i, names in enumerate(_MONTHS, start=1)})
TEXTS.update({f"date.month_short.{i}": names for i, names in enumerate(_MONTHS_SHORT, start=1)})

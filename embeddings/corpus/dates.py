"""Dates in questions: "on 11 March 2022", "in March", "between 1 and 5 March", "March 4",
"early March", "the day before 24 February", "two weeks after 24 February 2022".

A question that names a day, a month or a range is answered from the documents of that date.
Finding the phrase is a small pattern over month names and numbers (cheap enough to run on every
question: a question without a date costs microseconds); reading it is dateparser's job. A phrase
without a year takes the year of the library's documents that fall in it, else the latest year
the library has.

Documents carry dates of varying precision ("2022-02-24", "2022-03", "1975"): a document's date
is the span it covers, and it matches a question's span when the two overlap.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
# Month and day names (English): they name a date, never a voice or a topic.
CALENDAR_WORDS = frozenset(n.lower() for n in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name) if n)
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# Month names of the other languages questions come in (French, German, Spanish, Polish, Russian,
# Ukrainian; with a day, Polish, Russian and Ukrainian put the month in the genitive): read only
# after a day number ("11 марта", "24 lutego 2022", "2 de marzo de 2022", "24. Februar").
_FOREIGN_MONTHS = {name: n for n, names in enumerate((
    "", "janvier januar enero stycznia styczeń января январь січня січень",
    "février fevrier februar febrero lutego luty февраля февраль лютого лютий",
    "mars märz maerz marzo marca marzec марта март березня березень",
    "avril abril kwietnia kwiecień апреля апрель квітня квітень",
    "mai mayo maja maj мая май травня травень",
    "juin juni junio czerwca czerwiec июня июнь червня червень",
    "juillet juli julio lipca lipiec июля июль липня липень",
    "août aout agosto sierpnia sierpień августа август серпня серпень",
    "septembre septiembre setiembre września wrzesnia wrzesień сентября сентябрь вересня вересень",
    "octobre oktober octubre października pazdziernika październik октября октябрь жовтня жовтень",
    "novembre noviembre listopada listopad ноября ноябрь листопада листопад",
    "décembre decembre dezember diciembre grudnia grudzień декабря декабрь грудня грудень",
)) for name in names.split()}
FOREIGN_MONTHS = frozenset(_FOREIGN_MONTHS)
# Names that are English words too ("2 mars rovers", "3 mai"): only after a word that puts a day
# in the other language ("le 11 mars", "am 3. Mai", "el 2 de mayo", "dnia 3 maja").
_AMBIGUOUS = ("mars", "mai", "maj", "mayo", "maja")
_FOREIGN = r"(?:" + "|".join(sorted(set(_FOREIGN_MONTHS) - set(_AMBIGUOUS), key=len, reverse=True)) + r")"
_FOREIGN_ANY = r"(?:" + "|".join(sorted(_FOREIGN_MONTHS, key=len, reverse=True)) + r")"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
YEAR_RE = re.compile(rf"\b{_YEAR}\b")  # a year a question or a text may name
_TO = r"\s*(?:-|–|—|to|and|until|till|through)\s*"
# The phrases, longest first: each alternative is read by dateparser (ranges end by end).
_HORIZONS = ("targets?|goals?|deadlines?|budgets?|plans?|pledges?|commitments?|objectives?|horizon|timelines?|"
             "timeframe|limits?|caps?|quotas?|ceilings?|levels?|agenda|strategy|roadmap|period")
_PATTERNS = [
    ("range", rf"\b(?:between|from)\s+(?P<a>{_DAY}(?:\s+(?:of\s+)?{_MONTH})?(?:,?\s+{_YEAR})?){_TO}"
              rf"(?P<b>{_DAY}(?:\s+(?:of\s+)?{_MONTH})?(?:,?\s+{_YEAR})?)(?!\w)"),
    ("range", rf"\b(?:between|from)\s+(?P<a>{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?){_TO}"
              rf"(?P<b>(?:{_MONTH}\s+)?{_DAY}(?:,?\s+{_YEAR})?)(?!\w)"),
    ("range", rf"\b(?P<a>{_DAY})\s*(?:-|–)\s*(?P<b>{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?)(?!\w)"),
    ("range", rf"\b(?P<a>{_MONTH}\s+{_DAY})\s*(?:-|–)\s*(?P<b>{_DAY}(?:,?\s+{_YEAR})?)(?!\w)"),
    ("day", rf"\b(?P<a>{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?)(?!\w)"),
    ("day", rf"\b(?P<a>{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?)(?!\w)"),
    ("day", r"\b(?P<a>(?:1[89]\d\d|20\d\d)-[01]\d-[0-3]\d)\b"),
    ("day", rf"\b(?P<a>[0-3]?\d\.?\s+(?:de\s+)?{_FOREIGN}(?:,?\s+(?:de\s+)?{_YEAR})?)(?!\w)"),
    ("day", rf"\b(?:le|du|au|am|vom|el|del|dnia)\s+(?P<a>[0-3]?\d(?:er)?\.?\s+(?:de\s+)?(?:{'|'.join(_AMBIGUOUS)})"
            rf"(?:,?\s+(?:de\s+)?{_YEAR})?)(?!\w)"),
    # 24/2/2022, 24.02.2022, 24-02-22: day first, as most of the world writes it.
    ("numeric", r"\b(?P<a>[0-3]?\d)[./-](?P<b>[01]?\d)[./-](?P<c>(?:19|20)?\d\d)\b"),
    ("month", r"\b(?P<a>(?:1[89]\d\d|20\d\d)-[01]\d)\b"),
    # Early, mid or late in a month: its first, middle or last ten days or so.
    ("part", rf"\b(?P<part>early|mid|late)[\s-]+(?P<a>{_MONTH}(?:,?\s+{_YEAR})?)(?!\w)"),
    # A month alone only after a preposition ("in March", "of May 2022"): "May they?" is no date.
    ("month", rf"\b(?:in|during|of|since|until|by|throughout|early|late|mid)[\s-]+(?:early\s+|late\s+)?"
              rf"(?P<a>{_MONTH}(?:,?\s+{_YEAR})?)(?!\w)"),
    ("month", rf"\b(?P<a>{_MONTH}\s+{_YEAR})(?!\w)"),
    ("month", rf"\b(?P<a>{_FOREIGN_ANY}\s+(?:de\s+)?{_YEAR})(?!\w)"),  # "marzo de 2022", "марта 2022"
    # A year alone after "in" or "during" ("in 2022"; "en 2022", "im Jahr 2022", "w 2022 roku", "в 2022
    # году", not "jusqu'en 2022"): the whole year, if a document is of that year (otherwise the year is
    # the question's topic, "What happened in 2014?": see focus.py).
    ("year", rf"(?<!['’])\b(?:in|during|throughout|en|im\s+jahre?|w(?:\s+roku)?|nel|в|у)\s+"
             rf"(?:early\s+|late\s+|mid[\s-]+)?(?P<a>{_YEAR})(?!\w)"),
    # A year after every document that dates what the question names ("the 2024 election", "the 2024
    # NATO summit", "senegal's 2024 election": nothing written earlier can tell), not a plan's horizon
    # ("the 2030 target", "the 2050 net zero goal"), which the documents may set; a year the documents
    # have ("after the 2022 invasion") or before them ("the 1975 Final Act") is no date here (see
    # ``find_span``).
    ("later", rf"\b(?:the|his|her|their|its|[\w-]+['’]s)\s+(?P<a>{_YEAR})\s+"
              rf"(?!(?:[\w-]+\s+){{0,2}}(?:{_HORIZONS})\b)(?=[a-z])"),
]
_FINDERS = [(kind, re.compile(p, re.IGNORECASE)) for kind, p in _PATTERNS]
_HAS_YEAR = re.compile(rf"\b{_YEAR}\b")
_HAS_DAY = re.compile(rf"(?<![\d-]){_DAY}(?![\d-])", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A closed span of days, as the question named it (``text``)."""

    start: date
    end: date
    text: str
    kind: str = ""  # how the question named it: "day", "month", "range" or "year"
    event: str = ""  # for a span placed by an event ("before the summit"): the event and its date

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end

    def describe(self) -> str:
        return describe_span(self.start, self.end)


def describe_span(start: date, end: date) -> str:
    if end == date.max:
        return f"from {describe_span(start, start)} on"
    if start == date.min:
        return f"up to {describe_span(end, end)}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    if start == end:
        return f"{start.day} {calendar.month_name[start.month]} {start.year}"
    last = calendar.monthrange(end.year, end.month)[1]
    if start.day == 1 and end.day == last and (start.year, start.month) == (end.year, end.month):
        return f"{calendar.month_name[start.month]} {start.year}"
    return f"{describe_span(start, start)} to {describe_span(end, end)}"


def document_span(value: str) -> Span | None:
    """The days a document's date covers: "2022-02-24" one day, "2022-03" a month, "1975" a year."""
    parts = (value or "").strip().split("-")
    try:
        numbers = [int(p) for p in parts[:3]]
        if len(numbers) == 3:
            day = date(*numbers)
            return Span(day, day, value)
        if len(numbers) == 2:
            return Span(date(numbers[0], numbers[1], 1),
                        date(numbers[0], numbers[1], calendar.monthrange(*numbers)[1]), value)
        if len(numbers) == 1 and 1000 <= numbers[0] <= 9999:
            return Span(date(numbers[0], 1, 1), date(numbers[0], 12, 31), value)
    except ValueError:
        return None
    return None


@cache
def _parser():
    from dateparser.date import DateDataParser

    return DateDataParser(languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first",
                                                      "DATE_ORDER": "DMY", "REQUIRE_PARTS": ["month"]})


def _read(text: str, year: int) -> tuple[date, str] | None:
    """One date phrase -> (date, precision "day" or "month"), with ``year`` where it names none."""
    phrase = re.sub(rf"(?<!\w){_FOREIGN_ANY}(?!\w)", lambda m: calendar.month_name[_FOREIGN_MONTHS[m.group(0).lower()]],
                    text, flags=re.IGNORECASE)
    phrase = re.sub(r"\bde\b|(?<=\d)\.|(?<=\d)er\b", " ", phrase, flags=re.IGNORECASE)
    phrase = re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", phrase, flags=re.IGNORECASE)
    phrase = re.sub(r"\bof\b", " ", phrase, flags=re.IGNORECASE)
    if not _HAS_YEAR.search(phrase):
        phrase = f"{phrase} {year}"
    found = _parser().get_date_data(phrase)
    if found is None or found.date_obj is None:
        return None
    named_day = _HAS_DAY.search(text) or re.fullmatch(r"\d{4}-\d\d-\d\d", text.strip())
    precision = "day" if found.period == "day" and named_day else "month"
    return found.date_obj.date(), precision


def _span(first: tuple[date, str], last: tuple[date, str] | None, text: str) -> Span:
    start, precision = first
    end, end_precision = last or first
    if precision == "month":
        start = start.replace(day=1)
    if end_precision == "month":
        end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    return Span(start, end, text)


def find_span(question: str, known: Sequence[Span] = ()) -> Span | None:
    """The date span a question names, or None. ``known``: the library's document spans, which
    give a phrase without a year its year. A day may be named from another ("the day before 24
    February", "a week after 24 February 2022"): the span is the day it comes to; "after", "since"
    or "before" a date (in English or the six other languages) leaves the span open on one side."""
    for kind, finder in _FINDERS:
        match = finder.search(question)
        if match is None or kind == "later" and (not known or int(match.group("a")) <= max(k.end.year for k in known)):
            continue
        kind = "year" if kind == "later" else kind
        relative = _RELATIVE.search(question[:match.start()])
        span = _with_year(kind, match, known)
        if span is not None and relative is not None:  # the year is the named day's, then it moves
            return _moved(span, relative, question[relative.start():match.end()])
        opened = _OPEN.search(question[:match.start("a")])
        if span is not None and opened is not None:
            return _opened(span, opened, question[opened.start():match.end()])
        return span
    return None


# A time counted from the asker's own day: "last year", "last month", "this month", "last week", "next
# year" (in the six other languages too), "the past year", "in the last month" (the days up to today).
# Not "this year", which a question about a statement may mean as the statement does ("how much lng is
# the us to get to europe this year"), nor "that week" ("cette semaine-là").
_ASKERS = [(which, unit, re.compile(pattern, re.IGNORECASE)) for which, unit, pattern in (
    ("last", "year", r"\blast year\b|\bl'(?:année|an) derni(?:ère|er)|\b(?:im )?(?:letzten|vergangenen) jahr\b"
                     r"|\b(?:letztes|vergangenes) jahr\b|\bel año pasado\b|\bw (?:zeszłym|ubiegłym) roku\b"
                     r"|\bв прошлом году\b|\bминулого року\b|\bторік\b"),
    ("past", "year", r"\b(?:the |over the |in the )?past year\b|\b(?:in|over|during) the last year\b"),
    ("next", "year", r"\bnext year\b|\bl'année prochaine\b|\bnächstes jahr\b|\bel (?:año que viene|próximo año)\b"
                     r"|\bw przyszłym roku\b|\bв следующем году\b|\bнаступного року\b"),
    ("last", "month", r"\blast month\b|\ble mois dernier\b|\b(?:im )?(?:letzten|vergangenen) monat\b"
                      r"|\bel mes pasado\b|\bw (?:zeszłym|ubiegłym) miesiącu\b|\bв прошлом месяце\b"
                      r"|\bминулого місяця\b"),
    ("past", "month", r"\b(?:the |over the |in the )?past month\b|\b(?:in|over|during) the last month\b"),
    ("this", "month", r"\bthis month\b|\bce mois-ci\b|\bdiesen monat\b|\beste mes\b|\bw tym miesiącu\b"
                      r"|\bв этом месяце\b|\bцього місяця\b"),
    ("last", "week", r"\blast week\b|\bla semaine derni[èe]re\b|\b(?:letzte|vergangene) woche\b"
                     r"|\bla semana pasada\b|\bw (?:zeszłym|ubiegłym) tygodniu\b|\bна прошлой неделе\b"
                     r"|\bминулого тижня\b"),
    ("past", "week", r"\b(?:the |over the |in the )?past week\b|\b(?:in|over|during) the last week\b"),
    ("this", "week", r"\bthis week\b|\bcette semaine(?![-\w])|\bdiese woche\b|\besta semana\b"
                     r"|\bw tym tygodniu\b|\bна этой неделе\b|\bцього тижня\b"),
)]


def askers_span(question: str, today: date) -> Span | None:
    """The span of a time counted from the asker's ``today`` ("last year", "this month", "the past
    week"; the first the question names), said in ``Span.event`` as the question put it, open on
    one side after "before", "since" or "after"; None if the question names none."""
    found = [(m.start(), which, unit, m) for which, unit, finder in _ASKERS if (m := finder.search(question))]
    if not found:
        return None
    _, which, unit, match = min(found, key=lambda f: f[0])
    if which == "past":  # the 7, 30 or 365 days up to today
        start, end = today - timedelta(days={"year": 364, "month": 29, "week": 6}[unit]), today
    elif unit == "year":
        year = today.year + (1 if which == "next" else -1)
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif unit == "month":
        first = today.replace(day=1)
        start, end = (first, today) if which == "this" else ((first - timedelta(days=1)).replace(day=1),
                                                             first - timedelta(days=1))
    else:  # a week from Monday
        monday = today - timedelta(days=today.weekday())
        start, end = (monday, today) if which == "this" else (monday - timedelta(days=7), monday - timedelta(days=1))
    span = Span(start, end, match.group(0), "range", event=match.group(0).strip())
    opened = _OPEN.search(question[:match.start()])
    if opened is None:
        return span
    text = question[opened.start():match.end()]
    return replace(_opened(span, opened, text), event=text.strip())


# "after", "since" and "before" a date, in English, French, German, Spanish, Polish, Russian and
# Ukrainian (the date phrase's own "since March" included: the lookbehind sees the word before it).
_AFTER = r"after|following|despu[ée]s\s+del?|apr[èe]s(?:\s+le)?|nach(?:\s+dem)?|po|после|після"
_SINCE = r"since|desde(?:\s+el)?|depuis(?:\s+le)?|seit(?:\s+dem)?|od|с|со|з|від"
_BEFORE = r"before|prior\s+to|antes\s+del?|avant(?:\s+le)?|vor(?:\s+dem)?|przed|до|перед"
_OPEN = re.compile(rf"(?<!\w)(?:(?P<after>{_AFTER})|(?P<since>{_SINCE})|(?P<before>{_BEFORE}))"
                   r"\s+(?:(?:the|on|el|le|am|dem)\s+)?$", re.IGNORECASE)


def _opened(span: Span, opened: re.Match, text: str) -> Span:
    """Every day after (or since, or before) ``span``: a span open on one side."""
    if opened.group("before"):
        return Span(date.min, span.start - timedelta(days=1), text, "open")
    start = span.start if opened.group("since") else span.end + timedelta(days=1)
    return Span(start, date.max, text, "open")


def _with_year(kind: str, match: re.Match, known: Sequence[Span]) -> Span | None:
    """The span of one phrase, in the first of the library's years (latest first) whose documents
    it meets, or the latest year if none does; a phrase that names its year keeps it."""
    years = _candidate_years(known)
    for year in years:
        span = _parse(kind, match, year)
        if span is not None and (not known or any(span.overlaps(k) for k in known)
                                 or _HAS_YEAR.search(match.group(0))):
            return span
    return _parse(kind, match, years[0]) if years else None


_COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10}
# How far from a day or an event: "the day", "a week", "two weeks", "3 days"; "days", "weeks".
SHIFT = (r"(?:the\s+)?(?:(?P<count>" + "|".join(_COUNTS) + r"|\d{1,3})\s+(?P<unit>days?|weeks?)"
         r"|(?P<day>day|week)|(?P<several>days|weeks))")
_RELATIVE = re.compile(
    r"\b" + SHIFT + r"\s+(?P<way>before|after|prior\s+to|following|later\s+than|earlier\s+than)"
    r"\s+(?:the\s+|on\s+)?$", re.IGNORECASE)


def is_before(match: re.Match) -> bool:
    return match.group("way").lower().split()[0] in ("before", "prior", "earlier")


def shift_days(match: re.Match) -> int | None:
    """The days a match of ``SHIFT`` moves by, negative before ("the day before": -1, "two weeks
    after": 14); None for "days" or "weeks" with no count, or no shift."""
    count, unit = match.group("count"), match.group("unit") or match.group("day")
    if unit is None:
        return None
    days = 1 if count is None else int(count) if count.isdigit() else _COUNTS[count.lower()]
    days *= 7 if unit.lower().startswith("week") else 1
    return -days if is_before(match) else days


def _moved(span: Span, relative: re.Match, text: str) -> Span:
    """``span`` moved by the days ``relative`` says ("the day before", "two weeks after"), or the
    days next to it ("in the days before")."""
    if relative.group("several"):  # "in the days before": the week up to it; "the weeks after": four
        width = timedelta(days=7 if relative.group("several").lower() == "days" else 28)
        one = timedelta(days=1)
        return Span(span.start - width, span.start - one, text, "range") if is_before(relative) else \
            Span(span.end + one, span.end + width, text, "range")
    days = shift_days(relative)
    # Moved from a day, a day; from a longer span, the span moved whole.
    return Span(span.start + timedelta(days=days), span.end + timedelta(days=days), text, "day" if
                span.start == span.end else span.kind)


def _parse(kind: str, match: re.Match, year: int) -> Span | None:
    if kind == "year":
        named = int(match.group("a"))
        return Span(date(named, 1, 1), date(named, 12, 31), match.group(0).strip(), kind)
    if kind == "numeric":
        year_text = match.group("c")
        named = int(year_text) + (2000 if len(year_text) == 2 else 0)
        try:
            day = date(named, int(match.group("b")), int(match.group("a")))
        except ValueError:
            return None
        return Span(day, day, match.group(0).strip(), "day")
    first = _read(match.group("a"), year)
    if first is None:
        return None
    if kind == "part":
        return _part_of_month(first[0], match.group("part").lower(), match.group(0).strip())
    if kind != "range":
        return replace(_span(first, None, match.group(0).strip()), kind=kind)
    b = match.group("b")
    a_text = match.group("a")
    # "between 1 and 5 March": the first end borrows the second's month (and year).
    month = re.search(_MONTH, b, re.IGNORECASE)
    if month and not re.search(_MONTH, a_text, re.IGNORECASE):
        a_text = f"{a_text} {month.group(0)}"
        first = _read(a_text, year) or first
    second_text = b
    if not re.search(_MONTH, b, re.IGNORECASE):  # "from March 1 to 5"
        month = re.search(_MONTH, a_text, re.IGNORECASE)
        second_text = f"{month.group(0)} {b}" if month else b
    second = _read(second_text, year)
    if second is None:
        return None
    if second[0] < first[0]:
        first, second = second, first
    return replace(_span(first, second, match.group(0).strip()), kind=kind)


def _part_of_month(day: date, part: str, text: str) -> Span:
    """Early (days 1-10), mid (11-20) or late (21-end) in the month of ``day``."""
    last = calendar.monthrange(day.year, day.month)[1]
    first, final = {"early": (1, 10), "mid": (11, 20), "late": (21, last)}[part]
    return Span(day.replace(day=first), day.replace(day=final), text, "month")


def _candidate_years(known: Sequence[Span]) -> list[int]:
    """Years to try for a phrase without one: the library's, latest first; else this year."""
    years = sorted({k.end.year for k in known} | {k.start.year for k in known}, reverse=True)
    return years or [date.today().year]


def nearest(span: Span, known: Iterable[tuple[Span, object]], limit: int = 3) -> list[object]:
    """The items whose spans lie closest to ``span`` (by days apart), nearest first."""
    def distance(other: Span) -> int:
        if span.overlaps(other):
            return 0
        return min(abs((other.start - span.end).days), abs((span.start - other.end).days))

    ordered = sorted(known, key=lambda item: distance(item[0]))
    return [item for _, item in ordered[:limit]]


def parse_day(value: str, *, end: bool = False) -> date:
    """A --from/--to value: YYYY-MM-DD, YYYY-MM or YYYY (an end takes the last day it covers).
    Raises ValueError with a readable message."""
    span = document_span(value)
    if span is None:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD (or YYYY-MM, YYYY)")
    return span.end if end else span.start



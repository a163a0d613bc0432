"""Questions no passage can answer, however near a passage scores:

* a **live figure**: a price, a rate, a score or the weather *now* or in the days ahead ("what's
  the wheat price per bushel today", "a cuánto está hoy el dólar", "the weather this weekend"),
  or whether something is over by now ("is the war over yet"). The library holds dated
  statements; nothing in them tells today's state, and a passage about prices in 2022 would
  mislead.
* a question that turns on a **name the library never uses** (a country, or the one said to
  speak: "When did Finland join NATO?", "what did erdogan say"): the passages found are about
  something else, however near they score; no quote can be about what no document names.
* a question whether the documents **mention** something ("Did NATO say anything about nuclear
  weapons?") when no passage uses any word of it: the nearest passages are quoted as only that,
  with the words they never use; a near score alone does not make them an answer.

These are rules about questions, true of any library: no document, phrase or speaker is named here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from embeddings.corpus.text import country_of, country_words, unaccented, without_possessive

# A present-time marker, in English and the six other languages questions come in.
_NOW_WORDS = frozenset("""
today tonight now rn currently nowadays latest live
aujourd'hui maintenant actuellement actuel actuelle
heute jetzt aktuell derzeit zurzeit momentan
hoy ahora actualmente
dziś dzis dzisiaj teraz obecnie aktualnie aktualny aktualna
сегодня сейчас теперь нынче нынешний текущий
сьогодні зараз тепер нині наразі поточний
""".split())
# ... and the phrases that say the asker's present beyond doubt ("these days"; see _PRESENT).
_PRESENT_PHRASE = r"right now|at the moment|these days|as of now"
_NOW_PHRASES = re.compile(rf"\b(?:{_PRESENT_PHRASE}|at present|en ce moment|en este momento|в данный момент|"
                          r"на данный момент|на цей момент)\b", re.IGNORECASE)
_PRESENT_PHRASES = re.compile(rf"\b(?:{_PRESENT_PHRASE})\b", re.IGNORECASE)
# The asker's present beyond doubt ("rn", "these days", "this month"): "now" and "today" alone may
# be the statements' own ("how many troops is nato sending now", "how many banks did biden block today").
_PRESENT = frozenset("rn nowadays current".split())
# "this week", "this month", "this year": the asker's for a price or the weather; a count or an office
# holder "this year" may be the documents' own ("how much extra lng is the us supposed to get to
# europe this year", asked of a statement of 2022, was refused so).
_THIS_PERIOD = re.compile(r"\b(?:this (?:week|month|year)|cette semaine|ce mois-ci|diese woche|diesen monat|"
                          r"esta semana|este mes|w tym tygodniu|w tym miesiącu|на этой неделе|в этом месяце|"
                          r"цього тижня|цього місяця)\b", re.IGNORECASE)
# The days just ahead, as unknown to dated statements as today: only a few words from the figure, in
# its sentence ("what did the G7 say about costs? I need it tomorrow" is a question). German
# "Morgen" and Spanish "mañana" also mean "morning" ("am Morgen", "la mañana"): not after an article
# or a greeting; nor "the next week" (after something past).
_AHEAD = re.compile(r"\b(?:tomorrow|tmrw|demain|jutro|(?:после)?завтра|übermorgen|"
                    r"(?<!am )(?<!guten )(?<!heute )(?<!den )(?<!nächsten )(?<!frühen )(?<!diesem )morgen|"
                    r"(?<!la )(?<!esta )(?<!esa )(?<!una )(?<!aquella )ma[ñn]ana|(?<!the )next (?:weekend|week|month)|"
                    r"this weekend|el fin de semana|"
                    r"ce week-end|la semaine prochaine|am wochenende|nächste woche|in der nächsten woche|"
                    r"este fin de semana|la pr[óo]xima semana|la semana que viene|w (?:ten )?weekend|"
                    r"w przyszłym tygodniu|на выходных|на следующей неделе|на вихідних|наступного тижня|"
                    r"на наступному тижні)\b", re.IGNORECASE)
_AHEAD_DISTANCE = 6  # words between the figure and the day ahead, at most
_SENTENCE_END = re.compile(r"[?!;:,]|(?<!\d)\.(?:\s|$)")
# A question about what someone said ("Did Biden say oil prices would rise next week?") asks about a
# statement, whatever day it names.
_SAID = re.compile(r"\b(?:say|said|says|according to|acc to|in (?!(?:my|ur|your|our)\b)[\w'’-]+ view|"
                   r"announced?|declared?|stated?|mentioned|promised|warned|"
                   r"dit|déclaré|annoncé|sagte|sagten|gesagt|erklärt|erklärte|dijo|dijeron|anunció|declaró|powiedzia\w*|mówił\w*|"
                   r"сказал\w*|заявил\w*|сказав|сказала|заявив|заявила)\b", re.IGNORECASE)
# A figure asked in words that are not its name: the weather ("quel temps fera-t-il", "qué tiempo
# hará"), the exchange rate ("tipo de cambio").
_LIVE_PHRASES = re.compile(r"\b(?:quel temps|qu[ée] tiempo|tipo de cambio)\b", re.IGNORECASE)
# What changes by the hour: prices, rates, currencies, markets, scores, the weather (not words that are
# everyday English too: "change", "shares": "what will change now for Russian banks?" is a question).
_LIVE_WORDS = frozenset("""
price prices priced cost costs rate rates exchange stock stocks market markets score scores
weather temperature forecast dollar dollars euro euros ruble rubles rouble roubles hryvnia bitcoin rain snow
barrel crude brent petrol gasoline diesel population budget cheap cheaper cheapest expensive ticket tickets fare fares
inflation inflationsrate inflación inflacion inflacja инфляция інфляція
pleuvoir neiger regnen schneien llover nevar deszcz śnieg дождь снег дощ сніг доллара рубля долара гривні
prix coût coûte coute coûtent coutent cours taux bourse météo température dollar
preis preise kosten kurs wechselkurs börse aktie aktien wetter temperatur
precio precios coste costo cuesta cuestan cambio cotización bolsa acciones clima temperatura dólar dolar rublo
cena ceny cenę koszt kosztuje kurs giełda gielda akcje pogoda temperatura wynik dolar dolara euro rubel rubla
цена цены цену стоимость курс биржа акции погода температура счёт счет доллар евро рубль
ціна ціни ціну вартість курс біржа акції погода температура рахунок долар євро рубль гривня
""".split())
# Whether something is over by now: "is the war over yet", "has it ended already", "ya terminó".
_OVER_YET = re.compile(r"\b(?:over|ended|finished|done)\s+(?:yet|already|by now|now)\b|\bstill\s+(?:going on|ongoing)\b"
                       r"|\b(?:ya|déjà|schon|już|уже|вже)\s+(?:terminó|termino|acabó|finie?|fini|vorbei|zu ende|"
                       r"skończyła|skonczyla|skończył|закончилась|закінчилася|закінчилась)", re.IGNORECASE)
# "anything about", "any mention of"; "mention" or "refer to" in a yes/no question.
_ANYTHING_ABOUT = re.compile(r"\b(?:anything|something)\s+(?:about|on|regarding|concerning)\b"
                             r"|\bany\s+(?:mention|reference)s?\s+(?:of|to)\b", re.IGNORECASE)
_MENTION = re.compile(r"\b(?:mention|mentions|mentioned|mentioning|refer|refers|referred)\b", re.IGNORECASE)
_WH_START = re.compile(r"\s*(?:which|what|who|whom|whose|where|when|why|how)\b", re.IGNORECASE)
# The whole question asks whether something is over: "Is the war over?", "is the fighting over in
# Ukraine", "is it over", "is the war in ukraine finally over?" (not "Is Russia taking over?", where
# "over" ends a verb).
_IS_OVER = re.compile(r"^\s*(?:is|are)\s+(?P<subject>(?:[\w'’-]+\s+){0,3}?(?P<last>[\w'’-]+))"
                      r"(?:\s+(?:finally|already|really|actually|completely|officially|now))?\s+over"
                      r"(?:\s+(?:in|for|on|at)\s+[\w'’ -]{1,40}?)?\s*[?.!]*\s*$", re.IGNORECASE)
# Who a question may say spoke without naming anyone: "what did it say", "did they mention".
_PRONOUNS = frozenset("it they he she we you i the this that these those its their his her".split())
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# Who is asked about: "what did <erdogan> say", "has <the turkish president> announced".
_SPEAKER = re.compile(r"\b(?:did|does|do|has|have|had|will|would)\s+(?P<who>(?:[\w'’-]+\s+){0,3}?[\w'’-]+)\s+"
                      r"(?:say|said|announce|announced|declare|declared|tell|told|state|stated|think|write|wrote|"
                      r"claim|claimed|warn|warned|promise|promised|propose|proposed|mention|mentioned|refer|referred)\b",
                      re.IGNORECASE)


# A state as it is now, or what came after the documents: how many or who holds an office in the
# asker's present ("how many countries are in nato rn", "who is the current nato secretary
# general"), who took over from someone, where the next summit is.
_STATE = re.compile(r"\b(?:how (?:many|much|full|high|low|big|expensive|cheap)|who(?:'s|s| is| are) the)\b"
                    r"|\bwhat(?:'s|s| is| are)\s+(?:[\w'’-]+\s+){1,3}?doing\b", re.IGNORECASE)
# A count of what is held or where people are, "now" or "today" ("how many refugees live in ireland
# today", "how many warheads does russia have today", "how many countries are in nato now"): the
# asker's present, as "rn" is; not what is being done now ("how many troops is nato sending now") nor
# what was done today ("how many banks did biden block today"), which may be the statements' own.
_HOLDING = re.compile(r"\b(?:does|do)\s+(?:[\w'’-]+\s+){1,4}?(?:have|own|spend|pay|hold|host|keep)\b"
                      r"|\b(?:live|lives|living|reside|resides|residing)\b|\b(?:are|is)\s+(?:there|in)\b",
                      re.IGNORECASE)
_NOW_OR_TODAY = frozenset({"now", "today"})
# Who holds an office now ("who is nato secretary general now", "who's the us president today"):
# the documents name who held it then. "now" at the end, after the office ("ok now who is the speaker"
# is a filler "now").
_OFFICES = (r"president|secretary[\s-]general|chancellor|prime minister|pm|minister|leader|head|chair|ambassador|"
            r"spokesperson|boss")
_OFFICE_NOW = re.compile(r"^\W*who(?:'s|s| is)\s+(?:the\s+)?(?:[\w'’.-]+\s+){0,4}?"
                         r"(?:" + _OFFICES + r"|secretary|king|queen)\s+(?:of\s+(?:the\s+)?(?:[\w'’.-]+\s+){1,3})?"
                         r"(?:now|today|currently|rn|nowadays|" + _PRESENT_PHRASE + r")\W*$", re.IGNORECASE)
# The present as the six other languages say it.
_NOW_ELSEWHERE = (r"aujourd'hui|maintenant|actuellement|heute|jetzt|derzeit|aktuell|hoy|ahora|actualmente|"
                  r"dziś|dzis|dzisiaj|teraz|obecnie|сегодня|сейчас|теперь|сьогодні|зараз|тепер|нині")
# Who leads a body now ("who runs amnesty international today", "Wer leitet Amnesty heute?", "qui dirige
# l'OTAN aujourd'hui"): the question begins so and ends with the present, or names it right after the
# verb ("Wer leitet heute das UNDP?"); the documents name who led it then.
_LEADS_NOW = re.compile(r"^\W*(?:who(?:'s|s| is)?\s+(?:currently\s+)?(?:leads?|leading|heads?|heading|runs?|running|"
                        r"chairs?|chairing|in charge of)|wer\s+(?:leitet|führt|fuhrt)|qui\s+(?:dirige|préside|preside)|"
                        r"qui[ée]n\s+(?:dirige|lidera|preside)|kto\s+(?:kieruje|przewodzi|stoi na czele)|"
                        r"кто\s+(?:руководит|возглавляет)|хто\s+(?:керує|очолює))\b(?:[^?.!]{1,80}?"
                        r"\b(?:now|today|currently|rn|nowadays|" + _PRESENT_PHRASE + "|" + _NOW_ELSEWHERE + r")\W*$"
                        r"|\s+(?:now|today|currently|" + _NOW_ELSEWHERE + r")\s)",  # "Wer leitet heute das UNDP?"
                        re.IGNORECASE)
# An office held now in the other languages, the present right after "who is": "Wer ist derzeit
# Ministerpräsident von Rumänien?", "Qui est actuellement le secrétaire général de l'OTAN ?", "¿Quién es
# ahora el presidente ...?".
_OFFICE_NOW_ELSEWHERE = re.compile(
    r"^\W*(?:wer\s+ist|qui\s+est|qui[ée]n\s+es|kto\s+(?:jest|to)|кто|хто)\s+(?:" + _NOW_ELSEWHERE + r"|zurzeit)\s+"
    r"(?:(?:der|die|le|la|l['’]|el)\s*)?(?:\w*präsident\w*|\w*prasident\w*|kanzler\w*|premierminister\w*|generalsekretär\w*|président|"
    r"premier\s+ministre|secrétaire\s+général|presidente|primer\s+ministro|secretario\s+general|prezydent\w*|premier\w*|"
    r"sekretarz\w*|президент\w*|премьер\w*|генсек\w*|генеральн\w+\s+секретар\w*|прем['’]єр\w*|канцлер\w*)",
    re.IGNORECASE)
# Whether someone still holds an office ("is andrzej duda still the president of poland"): the documents
# name who held it then. Not what is still done to one ("is nato still supporting ukraine's president").
_STILL_OFFICE = re.compile(r"^\W*(?:is|are)\s+(?:[\w'’.-]+\s+){1,3}?still\s+(?:the\s+)?"
                           r"(?:(?![\w'’.-]*ing\b)[\w'’.-]+\s+){0,2}?(?:" + _OFFICES + r"|king|queen)s?\b",
                           re.IGNORECASE)
# What came after the documents: who took over, the next summit, who will win ("who's gonna win
# eurovision"; not "will democracy win", which a statement may say), and whether something is still
# so now ("is sberbank still operating ... now"). A time counted from the asker's day ("last year",
# "this month") is a date (dates.askers_span): the documents of that time answer, if there are any.
_THE_WAR = r"(?:it|this|(?:the|this)\s+(?:[\w'’-]+\s+)?(?:war|fighting|conflict|invasion|occupation|siege|offensive))\b"
_LATER = re.compile(r"\b(?:took|taken) over (?:from|as)\b|\bnext\s+(?:[\w'’-]+\s+){0,2}?summits?\b"
                    r"|\bwhen(?:'s|’s|s| is| are)\s+the\s+next\b"  # "when is the next session of the council"
                    r"|\bwho(?:'s|s| is)?\s+(?:gonna|going to|will)\s+win\b|\bwho(?:'ll|’ll)\s+win\b"
                    r"|\bqui (?:va gagner|gagnera)\b"
                    r"|\bwer (?:wird\b[^.?!]*\bgewinnen|gewinnt)\b|\bqui[ée]n (?:ganar[áa]|va a ganar)\b|\bkto wygra\b"
                    r"|\bкто победит\b|\bхто переможе\b"
                    r"|\bstill\b[^.?!]*\b(?:now|today|anymore)\b"
                    # how it turned out ("did sweden ever actually join"; not "what did the EU end up
                    # deciding", "Что в итоге решил G7?", which the documents answer)
                    r"|\b(?:ever\s+actually|actually\s+ever)\b"
                    # when the war will end, how long it will last ("when is the war gonna end"; not "how
                    # long will the sanctions last", "when will the eu end its dependence": the documents say)
                    rf"|\bwhen(?:'s|s| is| will)\s+{_THE_WAR}(?:\s+[\w'’-]+){{0,3}}?\s+(?:end|be over|stop|finish)\b"
                    rf"|\bhow long (?:will|is|'s)\s+{_THE_WAR}(?:\s+[\w'’-]+){{0,3}}?\s+(?:last|go on)\b",
                    re.IGNORECASE)


# The asker's own opinion, which no statement holds: "do u think ukraine was dumb to ...", "is article 5
# a good idea? want opinions", "whats your take"; in the six other languages, "what do you think" and
# "your opinion". Not "in nato's opinion", "an advisory opinion", nor a body's view ("Why does NATO
# consider a no-fly zone a bad idea?", "did the G7 share any thoughts on ...": _THEIR_VIEW).
_OPINION = re.compile(
    r"\b(?:do|d'|d)\s*(?:you|u|ya|y'all)\s+(?:think|reckon|believe)\b|\b(?:your|ur)\s+(?:opinions?|view|take|"
    r"thoughts)\b|\bin (?:my|your|ur) (?:opinion|view)\b|\b(?:want|need|any)\s+(?:opinions|thoughts|takes)\b"
    r"|^\W*thoughts\s+on\b|\b(?:a\s+)?(?:good|bad|smart|dumb|stupid)\s+idea\b|\b(?:do(?:n't)?\s+)?(?:you|u)\s+agree\b"
    r"|\b(?:was|were|is|are)\s+(?:[\w'’-]+\s+){1,4}?(?:dumb|stupid|smart|wise|foolish)\s+to\b"
    r"|qu'en pens\w+|\b(?:tu|vous) (?:pens|croi|croy)\w* que\b|\b(?:penses|crois)-tu\b|\b(?:pensez|croyez)-vous\b"
    r"|\b(?:ton|votre) avis\b|\bwas (?:denkst|meinst|hältst) du\b|\bwie findest du\b|\bwas halten sie\b"
    r"|\b(?:deine|ihre) meinung\b|\bqu[ée] opinas\b|\bcrees que\b|\btu opini[óo]n\b"
    r"|\bco (?:myślisz|myslisz|sądzisz|sadzisz)\b|\btwoim zdaniem\b|\b(?:что|как) (?:ты|вы) думае(?:шь|те)\b"
    r"|\bпо-твоему\b|\b(?:тво[её]|ваше) мнение\b|\b(?:що|як) (?:ти|ви) думає(?:ш|те)\b|\bна (?:твою|вашу) думку\b",
    re.IGNORECASE)
_THEIR_VIEW = re.compile(r"\b(?:does|do|did)\s+(?!(?:you|u|ya|y'all)\b)(?:[\w'’-]+\s+){1,4}?(?:consider|think|"
                         r"believe|see|view|regard|share|call)\b", re.IGNORECASE)
# The asker's own errand: "how do i apply for a job at the UN", "what should I name my goldfish", "...
# near me", "wie beantrage ich ein visum", in the six languages. Not where the documents, the bot or
# its commands are what the errand is about: a word of reading, finding, getting the text, using
# ("how do i find what nato said", "où puis-je lire l'article 5", "how do I filter by date").
_ERRAND = re.compile(
    r"\bshould\s+i\b|^\W*should\s+we\b|^\W*(?:how|where|when)\s+(?:do|can|could|should|would|might)\s+(?:i|we)\b"
    r"|\bis it safe to\b|\bnear (?:me|here)\b|\bcerca de m[ií]\b|\bprès de chez moi\b|\bin meiner nähe\b|\bw pobliżu\b"
    r"|\bрядом со мной\b|\bпоруч зі мною\b|\bcomment (?:puis-je|je peux|faire pour)\b|\bo[uù] (?:puis-je|je peux)\b"
    r"|\bwie (?:kann|beantrage|bekomme) ich\b|\b(?:c[óo]mo|d[óo]nde) puedo\b|\b(?:jak|gdzie) (?:mogę|moge)\b"
    r"|\b(?:как|где) (?:мне|я могу)\b|\b(?:як|де) (?:мені|я можу)\b",
    re.IGNORECASE)
_READING = re.compile(
    r"\b(?:find|read|see|look|quote|cite|search|ask|know|tell|start|understand|learn|interpret|check|use|"
    r"filter|access|download|open|compare|get the|get a copy)\b"
    r"|\b(?:lire|trouver|voir|consulter|lesen|finden|nachlesen|sehen|leer|encontrar|ver|consultar|"
    r"przeczytać|przeczytac|znaleźć|znalezc|czytać|прочитать|найти|читать|прочитати|знайти|читати)\b",
    re.IGNORECASE)


OPINION_NOTE = ("I quote what the documents say, with their dates: I give no opinions and no advice, "
                "and none of them speaks for you.")


def asks_opinion(question: str) -> bool:
    """Whether the question asks the bot's opinion or help with the asker's own errand ("do you
    think ...", "is it a good idea", "how do i apply for ..."), which no statement answers; not
    what someone said ("do you think nato said anything about belarus")."""
    if _SAID.search(question):
        return False
    opinion = bool(_OPINION.search(question)) and not _THEIR_VIEW.search(question)
    return opinion or bool(_ERRAND.search(question)) and not _READING.search(question)


def asks_live_figure(question: str) -> bool:
    """Whether the question asks for a figure as it is now ("the euro to ruble rate right now"),
    a state now or a later event ("how many countries are in nato rn", "where's the next g7
    summit"), or whether something is over by now ("is the war over yet"); not what someone said
    of one ("Did Biden say oil prices would rise next week?")."""
    found = {without_possessive(w.lower()) for w in _WORD.findall(question)}  # "today's" is "today"
    live = bool(found & _LIVE_WORDS or _LIVE_PHRASES.search(question))
    if live and (found & _NOW_WORDS or _NOW_PHRASES.search(question)):  # "the ruble rate today"
        return True
    present = bool(found & _PRESENT or _PRESENT_PHRASES.search(question))
    said = bool(_SAID.search(question))  # what was said, whatever day it names
    office = bool(_OFFICE_NOW.search(question) or _STILL_OFFICE.search(question) or _LEADS_NOW.search(question)
                  or _OFFICE_NOW_ELSEWHERE.search(question))
    state = _STATE.search(question)  # "now" or "today" after it: "ok now how many ..." is a filler "now"
    after = {w.lower() for w in _WORD.findall(question[state.end():])} if state else set()
    held_now = present or bool(after & _NOW_OR_TODAY and _HOLDING.search(question))  # "live in ireland today"
    return not said and (live and (present or bool(_THIS_PERIOD.search(question))) or office
                         or bool(state) and held_now or bool(_LATER.search(question))
                         or any(_asks_ahead(sentence) for sentence in _SENTENCE_END.split(question))) \
        or bool(_OVER_YET.search(question) or _is_over(question))


# Words for a figure that also mean something else beside a day ahead: a course or class ("cours",
# "Kurs"), a change, a score of an exam.
_NOT_AHEAD = frozenset("cours kurs курс cambio score scores wynik счёт счет рахунок".split())


def _asks_ahead(sentence: str) -> bool:
    """Whether the sentence asks a figure for a day ahead: "what will the oil price be tomorrow",
    "Quel temps fera-t-il à Moscou ce week-end ?"; the day a few words from the figure."""
    ahead = [m.start() for m in _AHEAD.finditer(sentence)]
    if not ahead:
        return False
    spans = list(_WORD.finditer(sentence))
    figures = [m.start() for m in spans if without_possessive(m.group(0).lower()) in _LIVE_WORDS - _NOT_AHEAD]
    figures += [m.end() for m in _LIVE_PHRASES.finditer(sentence)]
    place = [m.start() for m in spans]
    return any(abs(sum(p < a for p in place) - sum(p < f for p in place)) <= _AHEAD_DISTANCE
               for a in ahead for f in figures)


def names_never_used(unmatched: tuple[str, ...], question: str, known: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Of the question's words no passage uses (``unmatched``), those that name what the question
    is about: a country, or who the question says spoke ("what did erdogan say"); not those of
    ``known`` (the names in the library's titles and of its speakers, which a transcript's text may
    never write), nor a nationality whose country is one of them ("the japanese pm" of a title
    that names Japan). A word merely typed capitalised is not enough: "Does NATO stand with Kyiv?"
    is answered by a statement that never writes "Kyiv"."""
    speakers = asked_speakers(question)
    out = []
    for word in unmatched:
        bare = without_possessive(word.lower())
        if bare in known or country_of(bare, known):
            continue
        if bare in speakers or word.lower() in speakers or unaccented(bare) in country_words() \
                or bare in CONTESTS:
            out.append(word)
    return tuple(out)


# Games and contests, which no statement is about unless it says so ("did russia play in the 2022
# world cup", "Qu'a dit Biden sur le football ?"): where no passage uses the word, nothing can be
# quoted about it, as of a country no passage names. Each as the English word a passage would use;
# in the other languages questions come in, by the start of the word, whatever its ending
# ("чемпионате", "olimpijskich"; not "mundial", "coupe": "guerra mundial", "une coupe").
CONTESTS = frozenset("""football soccer rugby cricket tennis golf basketball baseball hockey volleyball handball
    olympics olympic paralympics eurovision fifa uefa nba nfl nhl championship championships tournament cup
    playoffs superbowl""".split())  # not "league": "in a league of his own"
_CONTEST_STEMS = (("football", ("fußball", "fussball", "fútbol", "futbol", "piłkarsk", "piłki nożnej", "футбол")),
                  ("hockey", ("eishockey", "хокке", "хоке")),
                  ("championship", ("championnat", "meisterschaft", "campeonato", "mistrzostw", "чемпионат",
                                    "чемпіонат")),
                  ("olympics", ("olympi", "olímpic", "olimpi", "igrzysk", "олимпи", "олімпі")),
                  ("cup", ("pokal", "copa ", "coupe du monde", "coupe d'europe", "puchar", "кубок", "кубк")),
                  ("eurovision", ("eurowizj", "евровиден", "євробачен")))


def contests_named(question: str) -> dict[str, str]:
    """The question's words that name a game or contest, each with its English word: "cup" ->
    "cup", "чемпионате" -> "championship"."""
    found = {w: w.lower() for w in re.findall(r"[^\W\d_]+", question) if w.lower() in CONTESTS}
    lowered = f" {question.lower()} "
    for english, stems in _CONTEST_STEMS:
        for stem in stems:
            at = lowered.find(stem)
            if at > 0 and not lowered[at - 1].isalpha():
                found[lowered[at:].split()[0].strip("?.,!;:«»\"'")] = english
    return found


def _is_over(question: str) -> bool:
    """Whether the whole question asks if something is over; a verb in -ing before "over" ("taking
    over") is not a thing that ends, a noun after an article ("the fighting") is."""
    found = _IS_OVER.match(question)
    if found is None:
        return False
    subject = found.group("subject").lower().split()
    return not found.group("last").lower().endswith("ing") or (len(subject) > 1 and subject[-2] in {"the", "this"})


def asked_speakers(question: str) -> set[str]:
    """The words of whoever the question says spoke, lower-cased: "what did <erdogan> say",
    "does <the helsinki final act> say"."""
    return {w.lower() for m in _SPEAKER.finditer(question) for w in _WORD.findall(m.group("who"))} - _PRONOUNS


# Who issued, signed or chaired the document (or the meeting it reports): its opening names them ("We,
# the leaders of ...", "Today, <the minister> chaired ..."). The question starts so, and what was
# signed is a document, a call or a meeting, "it" or "this" ("who ran the invasion", "the oligarchs
# who ran russian banks" ask about the text); not what someone else says of it ("according to").
_DOCUMENT = (r"(?:it|this|that|statements?|declarations?|communiqu[ée]s?|letters?|calls?|meetings?|"
             r"(?:video\s*)?conferences?|videoconferences?|fact\s*sheets?|readouts?|resolutions?|summits?)\b")
_WHO_ISSUED = re.compile(
    r"^\W*(?:(?:so|ok|and)\W+)?who(?:'s| is| are)?\s+(?:signed|issued|chaired|ran|hosted|wrote|released|put out|"
    r"authored|led|gave)\s+(?:(?:the|this|that|a)\s+)?(?:[\w'’-]+\s+){0,4}?" + _DOCUMENT
    + r"|^\W*who\s+(?:are|were)\s+the\s+(?:signatories|signers)\b"
    r"|^\W*qui\s+(?:a|ont)\s+(?:sign[ée]|présidé)|^\W*qui\s+sont\s+les\s+signataires"
    r"|^\W*wer\s+(?:hat\b[^?]*\b(?:unterzeichnet|unterschrieben|geleitet)\b|unterzeichnete|leitete"
    r"|sind die unterzeichner)"
    r"|^\W*¿?\s*qui[ée]n(?:es)?\s+(?:firm[óo]|firmaron|presidi[óo]|son los firmantes)"
    r"|^\W*kto\s+(?:podpisa\w*|przewodniczy\w*)"
    r"|^\W*кто\s+(?:подписал\w*|подписывал\w*|председательствовал\w*)|^\W*хто\s+(?:підписав\w*|головував\w*)",
    re.IGNORECASE)


# When the document was issued ("when did nato put out this statement", "when was the resolution
# adopted"): the reply gives each quoted document's date. The document is "the / this <statement>",
# and little follows it ("the statement condemning ..." asks about its topic; "the uniting for peace
# resolution" is another one).
_ISSUED = r"(?:issued|published|released|adopted|signed|put out|issue|publish|release|adopt|sign|put\s+out)"
_THE_DOCUMENT = r"(?:the|this|that|its|their)\s+(?:[\w'’-]+\s+)?" + _DOCUMENT
_WHEN_ISSUED = re.compile(
    r"^\W*when\s+(?:was|were|is)\s+" + _THE_DOCUMENT + r"\s+" + _ISSUED + r"(?:\W+\w+){0,4}\W*$"
    r"|^\W*when\s+did\s+(?:[\w'’-]+\s+){1,3}?" + _ISSUED + r"\s+" + _THE_DOCUMENT + r"(?:\W+\w+){0,4}\W*$",
    re.IGNORECASE)


# Someone else speaking of the document ("the meeting biden talked about").
_SPOKE_OF = re.compile(r"\b(?:talked|spoke|speaks|talks) about\b|\breferred to\b", re.IGNORECASE)


def asks_who_issued(question: str) -> bool:
    """Whether the question asks who issued, signed or chaired what a document records ("who
    signed the joint statement on swift?", "who ran the g7 ministers call in march", "Кто
    подписал совместное заявление 26 февраля?"), or when it was issued ("when did nato put out
    this statement"): answered by the document's opening, with its date."""
    when = bool(_WHEN_ISSUED.search(question))
    return (when or bool(_WHO_ISSUED.search(question))) and not _SAID.search(question) \
        and not _SPOKE_OF.search(question)


def asks_whether_mentioned(question: str) -> bool:
    """Whether the question asks if the documents speak of something at all: "Did NATO say
    anything about nuclear weapons?", "does the statement mention belarus", "any mention of
    sanctions?"; not "Which accords are mentioned?", which asks what they say."""
    if _WH_START.match(question):
        return bool(_ANYTHING_ABOUT.search(question))
    return bool(_ANYTHING_ABOUT.search(question) or _MENTION.search(question))


def none_mentioned(topic: Sequence[str], unmatched: Sequence[str], question: str,
                   known: frozenset[str] = frozenset()) -> bool:
    """Whether no passage uses any word of what the question asks about: every one of its
    ``topic`` words is ``unmatched``, leaving aside who is said to speak and the names of the
    library's speakers and issuers (``known``: they say whose documents, not what about)."""
    speakers = asked_speakers(question)
    about = {w.lower() for w in topic} - speakers - known
    return bool(about) and about <= {w.lower() for w in unmatched}

"""The slash commands in French, German, Spanish, Polish, Russian and Ukrainian: descriptions,
option names and option descriptions, through discord.py's translator, so Discord shows each
person the commands in their client's language. Command names stay English (people share them
in chat). Strings without a translation here stay English."""

from __future__ import annotations

import discord
from discord import app_commands

# English text (as written in the cogs) -> {language: translation}. Option names are lower case,
# without spaces, at most 32 characters (Discord's rule).
TEXTS: dict[str, dict[str, str]] = {
    # /ask
    "Ask about the statements; get the passages word for word, dated.": {
        "fr": "Posez une question sur les déclarations ; recevez les passages mot pour mot, datés.",
        "de": "Fragen Sie zu den Erklärungen; Sie erhalten die Passagen wörtlich und datiert.",
        "es": "Pregunte sobre las declaraciones; reciba los pasajes palabra por palabra, con fecha.",
        "pl": "Zapytaj o oświadczenia; otrzymasz fragmenty słowo w słowo, z datą.",
        "ru": "Спросите о заявлениях и получите фрагменты дословно, с датой.",
        "uk": "Запитайте про заяви й отримайте уривки дослівно, з датою.",
    },
    # /help
    "What this bot does, and its commands.": {
        "fr": "Ce que fait ce bot, et ses commandes.",
        "de": "Was dieser Bot tut, und seine Befehle.",
        "es": "Qué hace este bot y sus comandos.",
        "pl": "Co robi ten bot i jakie ma polecenia.",
        "ru": "Что делает этот бот и его команды.",
        "uk": "Що робить цей бот і його команди.",
    },
    "question": {"fr": "question", "de": "frage", "es": "pregunta", "pl": "pytanie", "ru": "вопрос",
                 "uk": "питання"},
    "What you want to know, in your own words (e.g. 'Who was condemned for enabling the attack?')": {
        "fr": "Ce que vous voulez savoir, avec vos mots (la réponse cite le texte anglais)",
        "de": "Was Sie wissen möchten, in Ihren Worten (zitiert wird der englische Text)",
        "es": "Lo que quiere saber, con sus palabras (se cita el texto inglés)",
        "pl": "Czego chcesz się dowiedzieć, własnymi słowami (cytowany jest tekst angielski)",
        "ru": "Что вы хотите узнать, своими словами (цитируется английский текст)",
        "uk": "Що ви хочете дізнатися, своїми словами (цитується англійський текст)",
    },
    "scope": {"fr": "portee", "de": "bereich", "es": "alcance", "pl": "zakres", "ru": "область", "uk": "область"},
    "What to search: the statements (default), the treaties, or both": {
        "fr": "Où chercher : les déclarations (par défaut), les traités, ou les deux",
        "de": "Wo suchen: in den Erklärungen (Standard), den Verträgen oder beiden",
        "es": "Dónde buscar: las declaraciones (por defecto), los tratados o ambos",
        "pl": "Gdzie szukać: w oświadczeniach (domyślnie), traktatach lub w obu",
        "ru": "Где искать: в заявлениях (по умолчанию), договорах или в обоих",
        "uk": "Де шукати: у заявах (типово), договорах або в обох",
    },
    "from": {"fr": "du", "de": "von", "es": "desde", "pl": "od", "ru": "с", "uk": "з"},
    "to": {"fr": "au", "de": "bis", "es": "hasta", "pl": "do", "ru": "по", "uk": "по"},
    "Only documents dated on or after this day, as YYYY-MM-DD (e.g. 2022-03-01)": {
        "fr": "Seulement les documents datés de ce jour ou après, AAAA-MM-JJ (YYYY-MM-DD)",
        "de": "Nur Dokumente ab diesem Tag, als JJJJ-MM-TT (YYYY-MM-DD)",
        "es": "Solo documentos de este día o posteriores, AAAA-MM-DD (YYYY-MM-DD)",
        "pl": "Tylko dokumenty z tego dnia lub późniejsze, RRRR-MM-DD (YYYY-MM-DD)",
        "ru": "Только документы с этого дня, в виде ГГГГ-ММ-ДД (YYYY-MM-DD)",
        "uk": "Лише документи від цього дня, у вигляді РРРР-ММ-ДД (YYYY-MM-DD)",
    },
    "Only documents dated on or before this day, as YYYY-MM-DD": {
        "fr": "Seulement les documents datés de ce jour ou avant, AAAA-MM-JJ (YYYY-MM-DD)",
        "de": "Nur Dokumente bis zu diesem Tag, als JJJJ-MM-TT (YYYY-MM-DD)",
        "es": "Solo documentos de este día o anteriores, AAAA-MM-DD (YYYY-MM-DD)",
        "pl": "Tylko dokumenty z tego dnia lub wcześniejsze, RRRR-MM-DD (YYYY-MM-DD)",
        "ru": "Только документы по этот день, в виде ГГГГ-ММ-ДД (YYYY-MM-DD)",
        "uk": "Лише документи до цього дня, у вигляді РРРР-ММ-ДД (YYYY-MM-DD)",
    },
    "document": {"fr": "document", "de": "dokument", "es": "documento", "pl": "dokument", "ru": "документ",
                 "uk": "документ"},
    "Only this document: start typing its title": {
        "fr": "Seulement ce document : commencez à taper son titre",
        "de": "Nur dieses Dokument: beginnen Sie, den Titel zu tippen",
        "es": "Solo este documento: empiece a escribir su título",
        "pl": "Tylko ten dokument: zacznij wpisywać tytuł",
        "ru": "Только этот документ: начните вводить название",
        "uk": "Лише цей документ: почніть вводити назву",
    },
    # /timeline
    "How the documents spoke to a topic over time: one passage each, by date.": {
        "fr": "Comment les documents ont traité un sujet au fil du temps : un passage chacun, par date.",
        "de": "Wie sich die Dokumente im Lauf der Zeit zu einem Thema äußerten: je eine Passage, nach Datum.",
        "es": "Cómo trataron los documentos un tema con el tiempo: un pasaje de cada uno, por fecha.",
        "pl": "Jak dokumenty odnosiły się do tematu w czasie: po jednym fragmencie, według daty.",
        "ru": "Как документы говорили о теме со временем: по одному фрагменту, по датам.",
        "uk": "Як документи говорили про тему з часом: по одному уривку, за датами.",
    },
    "topic": {"fr": "sujet", "de": "thema", "es": "tema", "pl": "temat", "ru": "тема", "uk": "тема"},
    "The topic, e.g. 'sanctions' or 'Belarus'": {
        "fr": "Le sujet, par ex. « sanctions » ou « Biélorussie »",
        "de": "Das Thema, z. B. „Sanktionen“ oder „Belarus“",
        "es": "El tema, p. ej. «sanciones» o «Bielorrusia»",
        "pl": "Temat, np. „sankcje” lub „Białoruś”",
        "ru": "Тема, например «санкции» или «Беларусь»",
        "uk": "Тема, наприклад «санкції» або «Білорусь»",
    },
    # /treaty and /sources
    "Look up a treaty the statements cite, or one of its articles.": {
        "fr": "Consulter un traité cité par les déclarations, ou l'un de ses articles.",
        "de": "Einen in den Erklärungen zitierten Vertrag oder einen seiner Artikel nachschlagen.",
        "es": "Consultar un tratado citado en las declaraciones, o uno de sus artículos.",
        "pl": "Sprawdź traktat cytowany w oświadczeniach lub jeden z jego artykułów.",
        "ru": "Найти договор, на который ссылаются заявления, или одну из его статей.",
        "uk": "Знайти договір, на який посилаються заяви, або одну з його статей.",
    },
    "name": {"fr": "nom", "de": "name", "es": "nombre", "pl": "nazwa", "ru": "название", "uk": "назва"},
    "The treaty or agreement, e.g. Washington Treaty, UN Charter, Budapest Memorandum": {
        "fr": "Le traité ou l'accord, par ex. Traité de Washington, Charte des Nations unies",
        "de": "Der Vertrag oder das Abkommen, z. B. Washingtoner Vertrag, UN-Charta",
        "es": "El tratado o acuerdo, p. ej. Tratado de Washington, Carta de la ONU",
        "pl": "Traktat lub porozumienie, np. Traktat Waszyngtoński, Karta NZ",
        "ru": "Договор или соглашение, например Вашингтонский договор, Устав ООН",
        "uk": "Договір або угода, наприклад Вашингтонський договір, Статут ООН",
    },
    "article": {"fr": "article", "de": "artikel", "es": "articulo", "pl": "artykul", "ru": "статья", "uk": "стаття"},
    "An article number to quote, e.g. 5": {
        "fr": "Le numéro d'un article à citer, par ex. 5", "de": "Eine Artikelnummer zum Zitieren, z. B. 5",
        "es": "Un número de artículo para citar, p. ej. 5", "pl": "Numer artykułu do zacytowania, np. 5",
        "ru": "Номер статьи для цитаты, например 5", "uk": "Номер статті для цитати, наприклад 5",
    },
    "List the documents the bot quotes from, with dates.": {
        "fr": "Lister les documents que le bot cite, avec leurs dates.",
        "de": "Die Dokumente auflisten, aus denen der Bot zitiert, mit Datum.",
        "es": "Listar los documentos que cita el bot, con sus fechas.",
        "pl": "Wyświetl dokumenty, z których cytuje bot, z datami.",
        "ru": "Список документов, которые цитирует бот, с датами.",
        "uk": "Список документів, які цитує бот, з датами.",
    },
}

LOCALES = {
    discord.Locale.french: "fr", discord.Locale.german: "de", discord.Locale.spain_spanish: "es",
    discord.Locale.latin_american_spanish: "es", discord.Locale.polish: "pl", discord.Locale.russian: "ru",
    discord.Locale.ukrainian: "uk",
}


class Translator(app_commands.Translator):
    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContext) -> str | None:
        language = LOCALES.get(locale)
        if language is None:
            return None
        return TEXTS.get(string.message, {}).get(language)

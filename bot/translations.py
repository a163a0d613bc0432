"""The slash commands and the message command in French, German, Spanish, Polish, Russian and
Ukrainian: descriptions, option names and option descriptions, through discord.py's translator,
so Discord shows each person the commands in their client's language. Slash command names stay
English: people type them and share them in chat. The one message command's name (Apps > Ask
Statement Bot) is translated: it is a label people read in a menu and click, never type, so their
own language reads best; "Statement Bot", the bot's name, stays as it is. Discord's rule for that
name is any 1-32 characters. Strings without a translation here stay English."""

from __future__ import annotations

import discord
from discord import app_commands

# English text (as written in the cogs) -> {language: translation}. Option names are lower case,
# without spaces, at most 32 characters (Discord's rule).
TEXTS: dict[str, dict[str, str]] = {
    # Apps > Ask Statement Bot (a message command: its name is translated, at most 32 characters)
    "Ask Statement Bot": {
        "fr": "Demander à Statement Bot", "de": "Statement Bot fragen", "es": "Preguntar a Statement Bot",
        "pl": "Zapytaj Statement Bot", "ru": "Спросить Statement Bot", "uk": "Запитати Statement Bot",
    },
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
    # /document (admins)
    "Admins: add a document to the library, or remove one.": {
        "fr": "Admins : ajouter un document à la bibliothèque, ou en retirer un.",
        "de": "Admins: ein Dokument zur Bibliothek hinzufügen oder eines entfernen.",
        "es": "Admins: añadir un documento a la biblioteca o quitar uno.",
        "pl": "Admini: dodaj dokument do biblioteki lub usuń jeden.",
        "ru": "Админы: добавить документ в библиотеку или удалить его.",
        "uk": "Адміни: додати документ до бібліотеки або вилучити його.",
    },
    "Admins: add an attached file or a link, then rebuild the index.": {
        "fr": "Admins : ajouter un fichier joint ou un lien, puis reconstruire l'index.",
        "de": "Admins: eine angehängte Datei oder einen Link hinzufügen, dann den Index neu aufbauen.",
        "es": "Admins: añadir un archivo adjunto o un enlace y reconstruir el índice.",
        "pl": "Admini: dodaj załączony plik lub link, potem przebuduj indeks.",
        "ru": "Админы: добавить вложенный файл или ссылку и перестроить индекс.",
        "uk": "Адміни: додати вкладений файл або посилання й перебудувати індекс.",
    },
    "Admins: remove a document from the library, then rebuild.": {
        "fr": "Admins : retirer un document de la bibliothèque, puis reconstruire.",
        "de": "Admins: ein Dokument aus der Bibliothek entfernen, dann neu aufbauen.",
        "es": "Admins: quitar un documento de la biblioteca y reconstruir.",
        "pl": "Admini: usuń dokument z biblioteki, potem przebuduj.",
        "ru": "Админы: удалить документ из библиотеки и перестроить индекс.",
        "uk": "Адміни: вилучити документ із бібліотеки й перебудувати індекс.",
    },
    "file": {"fr": "fichier", "de": "datei", "es": "archivo", "pl": "plik", "ru": "файл", "uk": "файл"},
    "url": {"fr": "lien", "de": "link", "es": "enlace", "pl": "link", "ru": "ссылка", "uk": "посилання"},
    "title": {"fr": "titre", "de": "titel", "es": "titulo", "pl": "tytul", "ru": "заголовок", "uk": "заголовок"},
    "date": {"fr": "date", "de": "datum", "es": "fecha", "pl": "data", "ru": "дата", "uk": "дата"},
    "kind": {"fr": "type", "de": "art", "es": "tipo", "pl": "rodzaj", "ru": "вид", "uk": "вид"},
    "The document: a .txt, .md, .pdf, .html or .docx file (give this or url)": {
        "fr": "Le document : un fichier .txt, .md, .pdf, .html ou .docx (ceci ou le lien)",
        "de": "Das Dokument: eine .txt-, .md-, .pdf-, .html- oder .docx-Datei (dies oder der Link)",
        "es": "El documento: un archivo .txt, .md, .pdf, .html o .docx (esto o el enlace)",
        "pl": "Dokument: plik .txt, .md, .pdf, .html lub .docx (to albo link)",
        "ru": "Документ: файл .txt, .md, .pdf, .html или .docx (это или ссылка)",
        "uk": "Документ: файл .txt, .md, .pdf, .html або .docx (це або посилання)",
    },
    "Or a link to a web page, PDF or Word file (http or https)": {
        "fr": "Ou un lien vers une page web, un PDF ou un fichier Word (http ou https)",
        "de": "Oder ein Link zu einer Webseite, PDF- oder Word-Datei (http oder https)",
        "es": "O un enlace a una página web, PDF o archivo Word (http o https)",
        "pl": "Albo link do strony, pliku PDF lub Word (http lub https)",
        "ru": "Или ссылка на веб-страницу, PDF или файл Word (http или https)",
        "uk": "Або посилання на вебсторінку, PDF чи файл Word (http або https)",
    },
    "The title quotes show (default: the document's own)": {
        "fr": "Le titre affiché avec les citations (par défaut : celui du document)",
        "de": "Der Titel bei den Zitaten (Standard: der des Dokuments)",
        "es": "El título que muestran las citas (por defecto: el del documento)",
        "pl": "Tytuł przy cytatach (domyślnie: tytuł dokumentu)",
        "ru": "Заголовок при цитатах (по умолчанию: заголовок документа)",
        "uk": "Заголовок біля цитат (типово: заголовок документа)",
    },
    "The day it was said, as YYYY-MM-DD (default: the document's own)": {
        "fr": "Le jour où il a été dit, AAAA-MM-JJ (YYYY-MM-DD ; par défaut : celui du document)",
        "de": "Der Tag, an dem es gesagt wurde, JJJJ-MM-TT (YYYY-MM-DD; Standard: aus dem Dokument)",
        "es": "El día en que se dijo, AAAA-MM-DD (YYYY-MM-DD; por defecto: el del documento)",
        "pl": "Dzień wypowiedzi, RRRR-MM-DD (YYYY-MM-DD; domyślnie: z dokumentu)",
        "ru": "День, когда это было сказано, ГГГГ-ММ-ДД (YYYY-MM-DD; по умолчанию: из документа)",
        "uk": "День, коли це було сказано, РРРР-ММ-ДД (YYYY-MM-DD; типово: з документа)",
    },
    "statement or treaty (default: as the text says)": {
        "fr": "déclaration (statement) ou traité (treaty) ; par défaut : selon le texte",
        "de": "Erklärung (statement) oder Vertrag (treaty); Standard: wie der Text es sagt",
        "es": "declaración (statement) o tratado (treaty); por defecto: según el texto",
        "pl": "oświadczenie (statement) lub traktat (treaty); domyślnie: wg tekstu",
        "ru": "заявление (statement) или договор (treaty); по умолчанию: по тексту",
        "uk": "заява (statement) або договір (treaty); типово: за текстом",
    },
    "The document to remove: start typing its title": {
        "fr": "Le document à retirer : commencez à taper son titre",
        "de": "Das zu entfernende Dokument: beginnen Sie, den Titel zu tippen",
        "es": "El documento que quitar: empiece a escribir su título",
        "pl": "Dokument do usunięcia: zacznij wpisywać tytuł",
        "ru": "Документ для удаления: начните вводить название",
        "uk": "Документ для вилучення: почніть вводити назву",
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
        where = app_commands.TranslationContextLocation
        menu = isinstance(context.data, app_commands.ContextMenu)  # its name is a label, translated
        if language is None or (context.location in (where.command_name, where.group_name) and not menu):
            return None  # slash command names stay English
        return TEXTS.get(string.message, {}).get(language)

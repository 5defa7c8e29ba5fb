"""Defaults of what users set on the command line or in the environment, in one module that imports nothing.

The command line needs them to describe its options; reading them from their stages would import the
whole pipeline (trafilatura, numpy, the language model) before `storyline --help` could answer. Each
stage imports its default from here.
"""

# The 20+ most common languages of online news; restricting the model to them is what makes
# short headlines reliable (see ../shared/NOTES.md). Override with STORYLINE_LANGUAGES or `languages=`.
DEFAULT_LANGUAGES: tuple[str, ...] = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "ru",
    "uk",
    "tr",
    "ar",
    "zh",
    "ja",
    "ko",
    "hi",
    "id",
    "sv",
    "cs",
    "ro",
    "el",
    "hu",
    "fa",
    "he",
    "da",
    "fi",
    "no",
    "vi",
)

# The embedder of story assignment (a registered name; `storyline plugins` lists them).
DEFAULT_EMBEDDER = "use-multilingual"

# The built-in claim extractor; the version is in the name: a new one re-reads stored articles.
BUILTIN_CLAIMS = "builtin-v3"

# The largest document read (bytes); larger ones are recorded as errors (--max-mb).
DEFAULT_MAX_DOCUMENT_BYTES = 20_000_000

# The longest text read as one document's (characters), and the longest article kept: what lies beyond is cut, with
# a warning. Every later stage (boilerplate, language, entities, claims, search) is then bounded; a news article is
# rarely over 50,000 characters, and a 19 MB line of text is not one article.
MAX_TEXT_CHARS = 1_000_000
MAX_ARTICLE_CHARS = 200_000

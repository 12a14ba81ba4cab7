"""The oEmbed providers Broadsheet knows without discovery: plain data, no app imported.

Here, not in the `embeds` app, because two places need it and `config` imports no app:
the settings build the Content-Security-Policy's `frame-src` from `frame_origins` (the
only hosts whose iframes a page may show), and `embeds.providers` matches a post's lone
URLs against `pattern` and asks `endpoint` for the oEmbed JSON.

Each provider: `name` (shown under the facade), `pattern` (a regular expression the
whole URL must match; `(?P<id>…)` names the item for `frame`), `endpoint` (its oEmbed
JSON endpoint), `frame_origins` (the iframe hosts its oEmbed HTML may point to), and
optionally `frame` (the iframe address built from the id when the oEmbed HTML carries a
script instead of an iframe) and `rewrite` (`{"origin seen": "origin used"}`: YouTube's
player from youtube-nocookie.com, which sets no cookie until the video plays).
Site owners add providers with `BROADSHEET_EMBED_PROVIDERS` (a JSON list of the same).
"""

from __future__ import annotations

PROVIDERS: tuple[dict, ...] = (
    {
        "name": "YouTube",
        "pattern": r"https?://(?:(?:www|m|music)\.)?youtube\.com/(?:watch\?(?:.*&)?v=|shorts/|live/|embed/)[\w-]+.*"
        r"|https?://youtu\.be/[\w-]+.*",
        "endpoint": "https://www.youtube.com/oembed",
        "frame_origins": ["https://www.youtube-nocookie.com"],
        "rewrite": {
            "https://www.youtube.com": "https://www.youtube-nocookie.com",
            "https://youtube.com": "https://www.youtube-nocookie.com",
        },
        "autoplay": True,
    },
    {
        "name": "Vimeo",
        "pattern": r"https?://(?:www\.|player\.)?vimeo\.com/(?:video/)?\d+.*"
        r"|https?://(?:www\.)?vimeo\.com/(?:channels|groups|showcase)/.+",
        "endpoint": "https://vimeo.com/api/oembed.json?dnt=true",  # no tracking cookies
        "frame_origins": ["https://player.vimeo.com"],
        "autoplay": True,
    },
    {
        "name": "SoundCloud",
        "pattern": r"https?://(?:www\.|m\.)?soundcloud\.com/[\w-]+/[\w-]+.*|https?://on\.soundcloud\.com/\w+"
        r"|https?://api\.soundcloud\.com/tracks/\d+",
        "endpoint": "https://soundcloud.com/oembed",
        "frame_origins": ["https://w.soundcloud.com"],
    },
    {
        "name": "Spotify",
        "pattern": r"https?://open\.spotify\.com/(?:intl-\w+/)?(?:track|album|playlist|episode|show|artist)/\w+.*",
        "endpoint": "https://open.spotify.com/oembed",
        "frame_origins": ["https://open.spotify.com"],
    },
    {
        # Any Mastodon server answers discovery; mastodon.social's iframes are allowed
        # here, others with BROADSHEET_EMBED_PROVIDERS (else they show as a link card).
        "name": "Mastodon",
        "pattern": r"https://mastodon\.social/@\w+/\d+",
        "endpoint": "https://mastodon.social/api/oembed",
        "frame_origins": ["https://mastodon.social"],
    },
    {
        "name": "X",
        "pattern": r"https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/\w+/status(?:es)?/(?P<id>\d+).*",
        "endpoint": "https://publish.twitter.com/oembed",
        "frame_origins": ["https://platform.twitter.com"],
        "frame": "https://platform.twitter.com/embed/Tweet.html?id={id}&dnt=true",
    },
    {
        "name": "CodePen",
        "pattern": r"https?://codepen\.io/[\w-]+/(?:pen|full|details)/\w+.*",
        "endpoint": "https://codepen.io/api/oembed",
        "frame_origins": ["https://codepen.io"],
    },
)


def frame_origins(extra: list[dict] | tuple[dict, ...] = ()) -> list[str]:
    """Every origin an embed's iframe may come from: the CSP's `frame-src`."""
    origins = [origin for p in (*PROVIDERS, *extra) for origin in p.get("frame_origins", [])]
    return list(dict.fromkeys(origins))

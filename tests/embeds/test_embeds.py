"""A URL alone on its line becomes an embed: fetched once on save from our own oEmbed
server (tests/embeds/conftest.py), shown as a privacy facade, never fetched on a read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog import services
from embeds.body import render_body
from embeds.models import Embed
from embeds.providers import frame_src, provider_for
from tests.factories import EditorFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(django_capture_on_commit_callbacks):
    """`write(body)`: a public post saved through blog.services, its commit hooks run
    (the fetch task runs in-process here: tests/embeds/test_worker.py uses a worker)."""

    def make(body: str, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            return PostFactory(body=body, **fields)

    return make


def page_of(client, post) -> str:
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_a_lone_url_becomes_a_facade_with_our_thumbnail(client, provider, write):
    url = f"{provider.origin}/videos/harbour"
    post = write(f"Before the film.\n\n{url}\n\nAfter the film, {url} inline stays a text.")
    embed = Embed.objects.get(url=url)
    assert embed.ready and embed.error == ""
    assert (embed.provider, embed.title, embed.author) == (
        "Local Tube",
        "Harbour lights (harbour)",
        "Nell Keeper",
    )
    # Only the iframe's address is kept from the provider's HTML: never its script.
    assert embed.frame_src == f"{provider.origin}/player/harbour"
    assert embed.thumbnail.startswith("embeds/") and default_storage.exists(embed.thumbnail)
    assert (embed.thumbnail_width, embed.thumbnail_height) == (480, 270)

    html = page_of(client, post)
    facade = re.search(r'<figure class="embed embed-video">.*?</figure>', html, re.DOTALL)[0]
    assert f'src="/media/{embed.thumbnail}"' in facade  # from our host
    assert 'style="padding-top: 56.250%"' in facade  # the player's box: no shift
    assert 'class="embed-play"' in facade and "hidden" in facade  # shown by the script
    assert (
        'aria-label="Play Harbour lights (harbour) (Local Tube; loads it from 127.0.0.1)"' in facade
    )
    assert f'<a href="{url}">Harbour lights (harbour)</a>' in facade  # the no-JS way
    assert "<iframe" not in html and "evil.js" not in html
    assert html.count('src="/static/embeds/facade.js"') == 1
    assert f"After the film, {url} inline" in html  # only a lone URL is an embed
    # Nothing on the page loads from the provider: its address is in links and data only.
    loads = re.findall(r"<(?:img|script|iframe|link|source|video|audio)\b[^>]*>", html)
    assert not [tag for tag in loads if "127.0.0.1" in tag]


def test_fetched_once_on_save_never_on_a_read(
    client, provider, write, django_capture_on_commit_callbacks
):
    url = f"{provider.origin}/videos/once"
    post = write(f"{url}\n")
    assert provider.hits == {"/oembed": 1, "/thumb.png": 1}
    with django_capture_on_commit_callbacks(execute=True):
        services.post_update(post=post, data={"body": f"New words.\n\n{url}\n"}, user=None)
    for _ in range(3):
        assert "embed-play" in page_of(client, post)
    assert provider.hits == {"/oembed": 1, "/thumb.png": 1}  # neither the save nor readers
    # Another post showing the same URL uses the same row.
    write(f"{url}\n")
    assert provider.hits["/oembed"] == 1 and Embed.objects.count() == 1


def test_discovery_finds_the_json_endpoint_a_page_names(client, provider, write):
    url = f"{provider.origin}/pages/regatta"
    post = write(f"{url}\n")
    embed = Embed.objects.get(url=url)
    assert embed.ready and embed.title == "Harbour lights (regatta-discovered)"
    assert provider.hits["/pages/regatta"] == 1 and provider.hits["/oembed"] == 1
    assert "embed-play" in page_of(client, post)


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ("videos/slow", "No complete answer within 1 s."),
        ("videos/huge", "sent more than 65,536 bytes"),
        ("videos/bad", "The oEmbed answer is not JSON."),
        ("videos/notfound", "answered 404"),
        ("plain", "The page names no JSON oEmbed endpoint"),
    ],
)
def test_bad_slow_or_huge_answers_are_errors_and_the_link_stays(
    client, provider, write, item, error
):
    url = f"{provider.origin}/{item}"
    post = write(f"Watch this:\n\n{url}\n")
    embed = Embed.objects.get(url=url)
    assert embed.fetched_at is not None and error in embed.error
    html = page_of(client, post)
    assert f'<p><a href="{url}">{url}</a></p>' in html
    assert "embed-play" not in html and "facade.js" not in html


def test_the_ssrf_guard_refuses_loopback_outside_tests(client, provider, write, settings):
    settings.EMBEDS_ALLOW_PRIVATE = False
    url = f"{provider.origin}/videos/inside"
    write(f"{url}\n")
    assert Embed.objects.get(url=url).error.startswith("Blocked: ")
    assert not provider.hits


def test_no_real_provider_is_ever_asked_in_tests(write):
    write("https://www.youtube.com/watch?v=dQw4w9WgXcQ\n")
    embed = Embed.objects.get()
    assert "not in EMBEDS_FETCH_HOSTS" in embed.error  # no lookup, no request


def test_players_only_from_allowed_origins_youtube_without_cookies():
    youtube, match = provider_for("https://www.youtube.com/watch?v=abc_123")
    assert youtube.name == "YouTube"
    player = '<iframe width="200" src="https://www.youtube.com/embed/abc_123?feature=oembed">'
    assert frame_src(player, provider=youtube, match=match) == (
        "https://www.youtube-nocookie.com/embed/abc_123?feature=oembed&autoplay=1"
    )
    x, match = provider_for("https://x.com/someone/status/1234567890")
    assert frame_src("<blockquote>…</blockquote><script>", provider=x, match=match) == (
        "https://platform.twitter.com/embed/Tweet.html?id=1234567890&dnt=true"
    )
    vimeo, match = provider_for("https://vimeo.com/76979871")
    elsewhere = '<iframe src="https://evil.example/player">'
    assert frame_src(elsewhere, provider=vimeo, match=match) == ""
    assert frame_src('<iframe src="javascript:alert(1)">', provider=None, match=None) == ""
    for url in (
        "https://youtu.be/abc",
        "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
        "https://soundcloud.com/artist/track-name",
        "https://mastodon.social/@Gargron/109245677014154120",
        "https://twitter.com/jack/status/20",
        "https://codepen.io/someone/pen/abcDEF",
    ):
        assert provider_for(url) is not None, url


def test_media_files_on_our_media_url_get_players(client, write):
    post = write(
        "http://testserver/media/clips/sea.mp4\n\n"
        "http://testserver/media/clips/gulls.mp3\n\n"
        "https://elsewhere.example/media/clips/sea.mp4\n"
    )
    html = page_of(client, post)
    assert '<video src="http://testserver/media/clips/sea.mp4" controls preload="none"' in html
    assert '<audio src="http://testserver/media/clips/gulls.mp3" controls preload="none"' in html
    assert '<video src="https://elsewhere.example' not in html
    # Our own media files are never "fetched".
    assert not Embed.objects.filter(url__contains="testserver").exists()


def test_the_post_page_reads_all_its_embeds_in_one_query(client, provider, write, settings):
    settings.PAGE_CACHE_SECONDS = 0

    def queries(post) -> int:
        with CaptureQueriesContext(connection) as captured:
            page_of(client, post)
        return len(captured)

    plain = write("No embeds here.\n")
    one = write(f"{provider.origin}/videos/a\n")
    three = write("\n\n".join(f"{provider.origin}/videos/{i}" for i in ("b", "c", "d")))
    assert Embed.objects.filter(fetched_at__isnull=False).count() == 4
    queries(write("Warms what every page keeps (the next go-live).\n"))
    counts = [queries(plain), queries(one), queries(three)]
    assert counts[1] == counts[2] == counts[0] + 1, counts
    assert page_of(client, three).count("embed-play") == 3


def test_the_csp_allows_frames_only_from_the_providers(client):
    post = PostFactory()
    policy = client.get(post.get_absolute_url())["Content-Security-Policy"]
    frames = re.search(r"frame-src ([^;]+)", policy)[1].split()
    assert "https://www.youtube-nocookie.com" in frames and "https://player.vimeo.com" in frames
    assert "https://www.youtube.com" not in frames and "'self'" not in frames
    assert "media-src 'self'" in policy


def test_render_body_is_linear_and_capped(provider, settings):
    settings.EMBEDS_MAX_PER_POST = 3
    body = "".join(f"<p>{provider.origin}/videos/{i}</p>\n" for i in range(50))
    html = render_body(body)
    assert html.count("<p><a href=") == 3  # the rest stay as written


def test_lost_fetches_are_sent_again_by_the_reconciler(provider, settings, time_machine):
    from embeds.tasks import reconcile_embeds

    url = f"{provider.origin}/videos/lost"
    PostFactory(body=f"{url}\n")  # its commit never came: the task was never sent
    assert Embed.objects.get(url=url).fetched_at is None
    assert reconcile_embeds() == 0  # too recent: its message may still be on its way
    later = timedelta(seconds=settings.BROADSHEET_RECONCILE_AFTER_SECONDS + 1)
    time_machine.move_to(timezone.now() + later)
    assert reconcile_embeds() == 1  # in-process here: fetched at once
    assert Embed.objects.get(url=url).ready
    assert reconcile_embeds() == 0


def test_a_player_from_an_origin_no_longer_allowed_shows_as_a_link_card(client, provider, write):
    url = f"{provider.origin}/videos/gone"
    post = write(f"{url}\n")
    Embed.objects.filter(url=url).update(frame_src="https://removed.example/player/1")
    html = page_of(client, post)
    assert "embed-play" not in html and "removed.example" not in html
    assert "Harbour lights (gone)" in html  # the card: thumbnail, title, source


def test_the_admin_lists_embeds_and_fetches_one_again(
    client, provider, write, django_capture_on_commit_callbacks
):
    client.force_login(EditorFactory())  # editors see embeds and may fetch them again
    admin_client = client
    url = f"{provider.origin}/videos/slow"
    write(f"{url}\n")
    embed = Embed.objects.get(url=url)
    listing = admin_client.get("/admin/embeds/embed/").content.decode()
    assert url in listing and "No complete answer within 1 s." in listing
    assert admin_client.get("/admin/embeds/embed/add/").status_code == 403
    provider.hits.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/embeds/embed/",
            {"action": "fetch_again", "_selected_action": [embed.pk]},
            follow=True,
        )
    assert "1 embed(s) will be fetched again." in response.content.decode()
    assert provider.hits["/oembed"] == 1  # asked once more (and slow once more)

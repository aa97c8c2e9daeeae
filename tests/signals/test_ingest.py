"""Ingestion: canonical URLs, near-duplicates, batches, limits, untrusted content."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.incidents.helpers import OTHER_STORY, STORY, As, post_body
from yuqing.extensions import db
from yuqing.signals.fingerprint import DUPLICATE_THRESHOLD, normalize_text, similarity, sketch
from yuqing.signals.models import MetricSnapshot, Signal
from yuqing.signals.urls import canonicalize_url
from yuqing.tenancy.scope import tenant_scope


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        (
            "HTTPS://Weibo.COM/123/abc?utm_source=wx&from=timeline#comments",
            "https://weibo.com/123/abc",
        ),
        (
            "https://tieba.example.cn:443/p/9?b=2&a=1&spm=a.b.c",
            "https://tieba.example.cn/p/9?a=1&b=2",
        ),
        ("http://news.example.cn/a/?share_token=x&id=5", "http://news.example.cn/a?id=5"),
        ("https://example.cn", "https://example.cn/"),
    ],
)
def test_canonical_url(raw, canonical):
    assert canonicalize_url(raw) == canonical


def test_normalisation_strips_repost_decorations():
    assert normalize_text("转发微博：//@张三: 这是原文！http://t.cn/abc") == "这是原文"
    assert normalize_text("ＡＢＣ，１２３") == "abc123"


def test_similarity_threshold_separates_copies_from_other_stories():
    original = sketch(STORY)
    assert similarity(original, sketch("转发：" + STORY)) == 1.0
    assert similarity(original, sketch("太过分了！//@网友甲:" + STORY)) >= DUPLICATE_THRESHOLD
    edited = STORY.replace("膝盖", "小腿").replace("好几次", "很多次").replace("尽快", "马上")
    assert similarity(original, sketch(edited)) >= DUPLICATE_THRESHOLD
    assert similarity(original, sketch(OTHER_STORY)) < 0.2


@pytest.fixture
def monitor(client, make):
    tenant = make.tenant("anping", plugin="township")
    return tenant, As(client, make.api_key(tenant, roles=["monitor"]))


def test_twenty_reposts_make_one_incident_with_twenty_duplicates(monitor):
    tenant, caller = monitor
    first = caller.post("/signals", post_body(0)).get_json()
    assert first["created"] is True
    decorations = ["转发：", "转发微博 ", "//@网友{n}:", "太气人了//@网友{n}: ", "#积水# "]
    for n in range(1, 21):
        prefix = decorations[n % len(decorations)].format(n=n)
        answer = caller.post("/signals", post_body(n, content=prefix + STORY)).get_json()
        assert answer["duplicate"] is True and answer["created"] is False, answer
        assert answer["incident_id"] == first["incident_id"]
    incident = caller.get(f"/incidents/{first['incident_id']}").get_json()
    assert incident["duplicate_count"] == 20
    assert caller.get("/incidents").get_json()["total"] == 1
    # The story's counts add up over its posts.
    assert incident["metrics"]["views"] == 21 * 10


def test_edited_copy_joins_and_a_different_story_opens_a_new_incident(monitor):
    tenant, caller = monitor
    first = caller.post("/signals", post_body(1)).get_json()
    edited = STORY.replace("膝盖", "小腿").replace("希望有关部门尽快解决", "请镇里马上处理")
    copy = caller.post("/signals", post_body(2, content=edited)).get_json()
    assert copy["duplicate"] is True and copy["incident_id"] == first["incident_id"]
    other = caller.post("/signals", post_body(3, content=OTHER_STORY)).get_json()
    assert other["created"] is True and other["incident_id"] != first["incident_id"]


def test_same_canonical_url_updates_metrics_not_a_duplicate(monitor):
    tenant, caller = monitor
    first = caller.post("/signals", post_body(1, views=100)).get_json()
    again_body = post_body(1, views=1800)
    again_body["url"] = "https://WEIBO.example.cn/status/1#top"
    again = caller.post("/signals", again_body).get_json()
    assert again == {
        **again,
        "signal_id": first["signal_id"],
        "created": False,
        "duplicate": False,
        "updated": True,
    }
    incident = caller.get(f"/incidents/{first['incident_id']}").get_json()
    assert incident["duplicate_count"] == 0
    assert incident["grade"]["severity"] == "S3"  # regraded from the new metrics
    with tenant_scope(tenant.id):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Signal)).scalar() == 1
        assert (
            db.session.execute(sa.select(sa.func.count()).select_from(MetricSnapshot)).scalar() == 1
        )
    points = caller.get(f"/incidents/{first['incident_id']}/metrics").get_json()
    assert points[-1]["effective"]["views"] == 1800


def test_batch_answers_per_item_and_is_limited_to_500(monitor):
    tenant, caller = monitor
    answer = caller.post("/signals", {"items": [post_body(1), post_body(2, content=OTHER_STORY)]})
    assert answer.status_code == 200
    assert [i["created"] for i in answer.get_json()["items"]] == [True, True]
    too_many = caller.post("/signals", {"items": [post_body(n) for n in range(501)]})
    assert too_many.status_code == 422
    assert "items" in too_many.get_json()["error"]["fields"]


def test_size_limits_and_bad_fields_answer_422_with_fields(monitor):
    tenant, caller = monitor
    body = post_body(1)
    body.update(title="标" * 501, content="文" * 20001, url="javascript:alert(1)")
    body["metrics"]["media_level"] = "galactic"
    error = caller.post("/signals", body).get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["message"] and error["message_en"]
    assert {"title", "content", "url", "metrics"} <= set(error["fields"])
    assert caller.post("/signals", {"items": [{"url": "https://a.cn/1"}]}).status_code == 422


def test_content_is_stored_raw_and_author_shown_only_to_need_to_know_roles(client, make, monitor):
    tenant, caller = monitor
    body = post_body(1, content="<script>alert('x')</script>" + STORY)
    iid = caller.post("/signals", body).get_json()["incident_id"]
    seen_by_monitor = caller.get(f"/incidents/{iid}/signals").get_json()[0]
    assert seen_by_monitor["content"].startswith("<script>")  # raw; escaping is the renderer's
    assert seen_by_monitor["author"] is None
    office = As(client, make.api_key(tenant, roles=["office"]))
    assert office.get(f"/incidents/{iid}/signals").get_json()[0]["author"] == "网友1"


def test_roles_without_create_may_not_ingest(client, make):
    tenant = make.tenant("anping", plugin="township")
    handler = As(client, make.api_key(tenant, roles=["unit_handler"]))
    assert handler.post("/signals", post_body(1)).status_code == 403

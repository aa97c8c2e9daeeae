"""Talking to the API as one role: each role has its own key, as in the scenarios."""

from __future__ import annotations

from datetime import UTC, datetime


class As:
    """An API caller holding one key: ``office.post("/incidents/1/actions/assess", {...})``."""

    def __init__(self, client, key: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {key}"}

    def get(self, path: str, **kwargs):
        return self.client.get(f"/api/v1{path}", headers=self.headers, **kwargs)

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self.headers)

    def act(self, incident_id: int, action: str, body: dict | None = None):
        return self.post(f"/incidents/{incident_id}/actions/{action}", body)


def post_body(
    n: int | str = 1,
    *,
    content: str | None = None,
    title: str | None = None,
    views: int = 10,
    **metrics,
) -> dict:
    return {
        "url": f"https://weibo.example.cn/status/{n}?utm_source=share&from=timeline",
        "platform": "微博",
        "title": title or "某镇道路积水严重无人管",
        "content": content or STORY,
        "author": f"网友{n}",
        "posted_at": datetime(2026, 5, 1, 8, 30, tzinfo=UTC).isoformat(),
        "metrics": {"views": views, "comments": 1, **metrics},
    }


STORY = (
    "我们镇中心街道这几天一下雨就严重积水，水深到了膝盖，学生上学只能趟水过去，"
    "已经反映给村里好几次了，一直没有人来处理排水沟堵塞的问题，希望有关部门尽快解决！"
)
OTHER_STORY = (
    "学校食堂今天中午的饭菜里发现了头发，孩子回家说已经好几次了，家长们都很担心食品安全，"
    "希望学校公开食堂的管理情况，并说明今后怎么改进。"
)

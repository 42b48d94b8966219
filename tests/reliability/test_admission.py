"""Admission control: with the configured number of webhook updates in flight, the next one is answered
503 with Retry-After at once (the platform sends it again), and nothing else is refused."""

from __future__ import annotations

import asyncio

from aiohttp import ClientSession, web

from bot.http import HttpServer


async def test_a_deep_backlog_is_answered_503_and_the_platform_retries() -> None:
    http = HttpServer("127.0.0.1", 0, max_inflight=2)
    release = asyncio.Event()
    entered: list[int] = []
    both_in = asyncio.Event()

    async def webhook(_request: web.Request) -> web.Response:
        entered.append(1)
        if len(entered) == 2:
            both_in.set()
        await release.wait()
        return web.json_response({"ok": True})

    http.app.router.add_post("/hook", webhook)
    await http.start()
    base = f"http://127.0.0.1:{http.port}"
    try:
        async with ClientSession() as client:
            held = [asyncio.create_task(client.post(f"{base}/hook", json={})) for _ in range(2)]
            await asyncio.wait_for(both_in.wait(), 10)
            async with client.post(f"{base}/hook", json={}) as refused:
                assert refused.status == 503 and refused.headers["Retry-After"] == "1"
            async with client.get(f"{base}/healthz") as health:
                assert health.status == 200
            assert len(entered) == 2  # the refused update never reached the handler
            release.set()
            for response in await asyncio.gather(*held):
                assert response.status == 200
                response.release()
            async with client.post(f"{base}/hook", json={}) as again:  # room again: the retry goes in
                assert again.status == 200
    finally:
        await http.stop()

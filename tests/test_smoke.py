from tests.conftest import Harness


async def test_start_welcomes(harness: Harness) -> None:
    ana = harness.user()
    replies = await ana.send("/start")
    assert "Welcome" in replies[0].text

"""Webhook mode: PTB's own webhook server takes Telegram's posts (and checks the secret token); a small
tornado server next to it answers health checks for the load balancer or orchestrator."""

from __future__ import annotations

import json
from typing import Any

import tornado.web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from bot.runtime.leader import Leadership
from bot.settings import Settings
from db.session import Database

HEALTH_PATH = "/healthz"


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Arguments of Updater.start_webhook / Application.run_webhook, from the settings."""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": settings.webhook_path,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
    }


class HealthHandler(tornado.web.RequestHandler):
    """200 when the database answers, 503 when not; says whether this instance leads the periodic jobs."""

    def initialize(self, db: Database, leadership: Leadership) -> None:
        self.db, self.leadership = db, leadership

    async def get(self) -> None:
        try:
            async with self.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            status, code = "ok", 200
        except (SQLAlchemyError, OSError):
            status, code = "database unreachable", 503
        self.set_status(code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"status": status, "leader": self.leadership.is_leader}))

    def log_exception(self, *args: Any) -> None:  # noqa: D102  # health probes must not flood the log
        pass


def start_health_server(settings: Settings, db: Database, leadership: Leadership) -> HTTPServer:
    app = tornado.web.Application([(HEALTH_PATH, HealthHandler, {"db": db, "leadership": leadership})])
    server = HTTPServer(app)
    server.listen(settings.health_port, address=settings.webhook_listen)
    return server


def serve_webhook(application: Application, settings: Settings) -> None:
    """PTB's run_webhook (signals, set_webhook, graceful stop), with the health server alongside."""
    from bot.app import LEADERSHIP_KEY
    from bot.handlers.common import SERVICES_KEY

    started, stopped = application.post_init, application.post_stop
    health: list[HTTPServer] = []

    async def with_health(app: Application) -> None:
        if started is not None:
            await started(app)
        health.append(
            start_health_server(settings, app.bot_data[SERVICES_KEY].db, app.bot_data[LEADERSHIP_KEY])
        )

    async def without_health(app: Application) -> None:
        for server in health:
            server.stop()
        if stopped is not None:
            await stopped(app)

    application.post_init, application.post_stop = with_health, without_health
    application.run_webhook(**webhook_options(settings))

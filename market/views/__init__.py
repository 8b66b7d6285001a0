"""HTML blueprints, one per area, and the error pages they share."""
from flask import Flask


def register(app: Flask) -> None:
    from market.views import admin, auth, errors, public, workspace

    for blueprint in (public.bp, auth.bp, workspace.bp, admin.bp):
        app.register_blueprint(blueprint)
    errors.register(app)

"""Field names the admin shows, in the interface language.

A model field declared without ``verbose_name`` gets Django's automatic one ("due at" from
``due_at``), which gettext never sees: the admin then showed English column headers and labels
in the zh-Hans interface. At start-up (``CoreConfig.ready``) each such name of the project's
models is wrapped in ``gettext_lazy``, so its msgid ("due at") is translated by the .po like any
other string. Migrations are unaffected: a field deconstructs from the ``verbose_name`` it was
declared with (``Field._verbose_name``), not from this attribute.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy


def translate_automatic_verbose_names(app_configs) -> int:
    """Wrap the automatic verbose names of the fields of ``app_configs``' models; how many."""
    done = 0
    for config in app_configs:
        for model in config.get_models():
            for field in model._meta.get_fields():
                if getattr(field, "concrete", False) and not field.auto_created \
                        and getattr(field, "_verbose_name", "") is None and isinstance(field.verbose_name, str):
                    field.verbose_name = gettext_lazy(field.verbose_name)
                    done += 1
    return done

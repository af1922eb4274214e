"""Django's JSON serializer with datetimes and times to the microsecond.

Django's own (``DjangoJSONEncoder``) cuts them to the millisecond, so a
``dumpdata``/``loaddata`` round trip changed every timestamp written with microseconds
(``created_at``, the history's ``history_date``): a backup that does not give the rows
back as they were. Registered for the ``json`` format in ``SERIALIZATION_MODULES``; the
deserializer is Django's, which reads microseconds."""

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder

Deserializer = django_json.Deserializer


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            if isinstance(o, datetime.time) and o.utcoffset() is not None:
                raise ValueError("JSON can't represent timezone-aware times.")
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactJSONEncoder

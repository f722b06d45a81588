"""Browser sessions in the database, stored under a keyed digest of their key (SESSION_ENGINE).

A session key is a bearer credential: whoever presents it is signed in. Like every other credential here
the database keeps only a keyed digest of it (config/at_rest.keyed_digest, truncated to the 40 characters
of django_session.session_key), so a copy of the database, a backup or a replica signs no one in. The
cookie still carries the key; each lookup digests it first. Session ids in tokens (sid) are separate.
"""

from django.contrib.sessions.backends import db
from django.utils import timezone

from config import at_rest

DIGEST_LENGTH = 40  # django_session.session_key's max_length; 160 bits of HMAC-SHA256


def digest(session_key: str) -> str:
    return at_rest.keyed_digest(session_key, purpose="session")[:DIGEST_LENGTH]


def exists_digest(session_digest: str) -> bool:
    """Whether a session, known only by its digest (a SignIn row's), is still stored and unexpired."""
    model = SessionStore.get_model_class()
    return model.objects.filter(session_key=session_digest, expire_date__gt=timezone.now()).exists()


def delete_digest(session_digest: str) -> None:
    SessionStore.get_model_class().objects.filter(session_key=session_digest).delete()


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:
            return None
        try:
            return self.model.objects.get(session_key=digest(self.session_key), expire_date__gt=timezone.now())
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    async def _aget_session_from_db(self):
        if self.session_key is None:
            return None
        try:
            return await self.model.objects.aget(
                session_key=digest(self.session_key), expire_date__gt=timezone.now()
            )
        except self.model.DoesNotExist:
            self._session_key = None
            return None

    def exists(self, session_key):
        return self.model.objects.filter(session_key=digest(session_key)).exists()

    async def aexists(self, session_key):
        return await self.model.objects.filter(session_key=digest(session_key)).aexists()

    def create_model_instance(self, data):
        instance = super().create_model_instance(data)
        instance.session_key = digest(instance.session_key)
        return instance

    async def acreate_model_instance(self, data):
        instance = await super().acreate_model_instance(data)
        instance.session_key = digest(instance.session_key)
        return instance

    def delete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key:
            delete_digest(digest(session_key))

    async def adelete(self, session_key=None):
        session_key = session_key or self.session_key
        if session_key:
            await self.model.objects.filter(session_key=digest(session_key)).adelete()

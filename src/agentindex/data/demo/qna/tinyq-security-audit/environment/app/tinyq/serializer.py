"""Wire format for jobs submitted through the admin API."""

import base64
import pickle


def encode_job(name: str, payload, priority: int = 5, delay: float = 0) -> bytes:
    # Pickle so that clients can submit any Python object as a payload.
    spec = {"name": name, "payload": payload, "priority": priority, "delay": delay}
    return base64.b64encode(pickle.dumps(spec))


def decode_job(body: bytes) -> dict:
    spec = pickle.loads(base64.b64decode(body))
    if not isinstance(spec, dict) or "name" not in spec:
        raise ValueError("not a job spec")
    return spec

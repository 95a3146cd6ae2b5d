# The WSGI app uWSGI runs for the interop suite: it answers with its whole environ (the CGI
# variables, each value's bytes in hex: PEP 3333 gives them as latin-1 "bytes as str") and
# the body's length and SHA-256, as JSON. /status/<n> answers with that status and a Location, for the
# response cases.
import hashlib
import json


def application(environ, start_response):
    body = environ["wsgi.input"].read()
    variables = {k: v.encode("latin-1").hex() for k, v in environ.items() if isinstance(v, str)}
    answer = json.dumps(
        {
            "environ": variables,
            "bodyLength": len(body),
            "bodySha256": hashlib.sha256(body).hexdigest(),
        }
    ).encode()
    path = environ.get("PATH_INFO", "")
    status = "200 OK"
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))]
    if path.startswith("/status/"):
        status = path[len("/status/"):] + " Set"
        headers.append(("Location", "/moved"))
    start_response(status, headers)
    return [answer]

<?php
// The script php-fpm runs for the interop suite: it answers with $_SERVER (the FastCGI params
// as php-fpm read them, each value's bytes in hex) and the body's length and SHA-256, as JSON. /status/<n> answers with
// that status and (but for a 1xx) a Location, for the response cases.
$body = file_get_contents('php://input');
$server = [];
foreach ($_SERVER as $k => $v) if (is_string($v)) $server[$k] = bin2hex($v);
$path = $_SERVER['PATH_INFO'] ?? $_SERVER['DOCUMENT_URI'] ?? '';
if (strncmp($path, '/status/', 8) === 0) {
    $code = (int) substr($path, 8);
    http_response_code($code);
    // (PHP turns any status but 201 and 3xx into 302 when a Location is set: not for a 1xx.)
    if ($code >= 200) header('Location: /moved');
}
header('Content-Type: application/json');
echo json_encode(
    ['environ' => $server, 'bodyLength' => strlen($body), 'bodySha256' => hash('sha256', $body)]
);

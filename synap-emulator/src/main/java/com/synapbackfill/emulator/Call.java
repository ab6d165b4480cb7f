package com.synapbackfill.emulator;

/**
 * One HTTP call as the endpoints see it, without the server's types: the method, the path, the Authorization header
 * (null when absent) and the body, read whole.
 */
record Call(String method, String path, String authorization, byte[] body) {

    /** The bearer token, or null when the call has none. */
    String bearerToken() {
        return authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7).trim() : null;
    }
}

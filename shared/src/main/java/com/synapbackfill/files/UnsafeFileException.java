package com.synapbackfill.files;

/**
 * A file or directory of a private directory that another user could have written or planted (a link, another owner,
 * group- or world-writable): refused before it is read or written. The message names the path, the owner and the fix.
 */
public final class UnsafeFileException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsafeFileException(String message) {
        super(message);
    }
}

//! Property tests of the record format (written next).

//! The state document and its local backend with locking.

//! Table tests for the function library.

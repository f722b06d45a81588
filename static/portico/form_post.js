// OAuth 2.0 Form Post Response Mode: submit the response to the application at once.
document.getElementById("form-post").submit();

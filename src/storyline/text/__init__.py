"""What every layer may use on text: encodings and repairs (`encoding.py`), language identification (`language.py`)."""

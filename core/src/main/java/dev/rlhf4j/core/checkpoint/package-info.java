/**
 * Safetensors checkpoints, read and written in pure Java.
 *
 * <p>The format: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON
 * {@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 * "__metadata__": {str: str}}}, then the byte buffer the offsets point into; tensors are
 * contiguous, row-major, little-endian.
 *
 * <ul>
 *   <li>{@link dev.rlhf4j.core.checkpoint.SafetensorsFile}: one file, memory-mapped (files over
 *       2 GiB included), the header validated in full when it is opened.
 *   <li>{@link dev.rlhf4j.core.checkpoint.SafetensorsCheckpoint}: a model directory, either one
 *       {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}.
 *   <li>{@link dev.rlhf4j.core.checkpoint.SafetensorsWriter}: writes files and sharded
 *       directories the way the Python {@code safetensors} library and transformers'
 *       {@code save_pretrained} do, each file through a temporary file renamed into place.
 * </ul>
 *
 * <p>F32, F16 and BF16 tensors read into {@code float[]}; every other dtype of the format is
 * recognised and readable as raw bytes. Pickle checkpoints ({@code pytorch_model.bin}) are never
 * loaded.
 */
package dev.rlhf4j.core.checkpoint;
